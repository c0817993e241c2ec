#!/usr/bin/env node
// Starts Sehat: the bundle dist/sehat.mjs (built by `npm ci` / `npm run build`, see scripts/build.mjs) while
// it is newer than every source file, else the TypeScript sources through tsx — so an edited source never
// runs stale, and a fresh install starts fast. SEHAT_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = new URL('../dist/sehat.mjs', import.meta.url);

/** Newest modification time of the .ts files under a folder. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.SEHAT_FROM_SOURCE === '1' || !existsSync(bundle)) return false;
  const built = statSync(bundle).mtimeMs;
  return ['src', 'adapters'].every((dir) => newestSource(`${root}${dir}`) <= built);
}

if (bundleIsFresh()) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  // Register only if tsx's hooks are not loaded yet (`tsx …` and `node --import tsx …` load them; they map
  // the .js specifier to main.ts): a second registration runs every module load through both copies.
  if (!import.meta.resolve('../src/main.js').endsWith('.ts')) register();
  await import('../src/main.ts');
}
