#!/usr/bin/env node
// Bundles Sehat's TypeScript (src/, adapters/) into dist/sehat.mjs (+ chunks loaded on demand) so `sehat` starts without compiling
// ~300 modules through tsx: cold start is mostly module loading. Packages in node_modules stay outside the
// bundle and load natively. Run by `npm ci` / `npm install` (the "prepare" script) and by `npm run build`.
// bin/sehat.js uses the bundle only while it is newer than every source file, else the sources through tsx.
//
//   node scripts/build.mjs            build (fails loudly on errors)
//   node scripts/build.mjs --if-able  build if esbuild and the sources are present (installs, Docker's deps stage)
//   node scripts/build.mjs --help
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log('Usage: node scripts/build.mjs [--if-able]\nBundles src/main.ts into dist/sehat.mjs (see bin/sehat.js).');
  process.exit(0);
}
const ifAble = args.includes('--if-able');
const entry = join(root, 'src', 'main.ts');
if (!existsSync(entry)) {
  if (ifAble) process.exit(0); // e.g. Docker's dependency stage, before the sources are copied
  console.error(`build: ${entry} not found`);
  process.exit(1);
}
let esbuild;
try {
  esbuild = await import('esbuild');
} catch (error) {
  if (ifAble) {
    console.warn(`build: esbuild not installed (${error.message}); sehat will run from the TypeScript sources`);
    process.exit(0);
  }
  throw error;
}
const started = performance.now();
rmSync(join(root, 'dist'), { recursive: true, force: true });
await esbuild.build({
  entryPoints: { sehat: entry },
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  // Code that is imported on demand (channel SDKs, the LLM) goes to its own chunk, so its packages load only
  // when it is configured; in a single file their imports would be hoisted and loaded at every start.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log(`build: dist/sehat.mjs in ${Math.round(performance.now() - started)} ms`);
