import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md convention 1: the domain (core, knowledge, triage, handoff) imports no SDK or driver and
 * nothing from adapters/; only src/app.ts wires adapters.
 */
const DOMAIN_FOLDERS = ['src/core', 'src/knowledge', 'src/triage', 'src/handoff'];
const ALLOWED_PACKAGES = new Set(['zod', 'yaml', 'minisearch']);
const FORBIDDEN =
  /^(pg|better-sqlite3|kysely|ioredis|redis|ws|hono|@hono\/.*|telegraf|@slack\/.*|botbuilder.*|openai|@langchain\/.*|whatsapp-web\.js|pino)$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(path: string): string[] {
  const source = readFileSync(path, 'utf8');
  return [
    ...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1] ?? '');
}

describe('import boundaries', () => {
  for (const folder of DOMAIN_FOLDERS) {
    it(`${folder} imports no SDK, driver or adapter`, () => {
      const offences: string[] = [];
      for (const file of files(folder)) {
        for (const spec of imports(file)) {
          if (spec.includes('adapters/')) offences.push(`${file} imports ${spec}`);
          else if (!spec.startsWith('.') && !spec.startsWith('node:')) {
            const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
            if (FORBIDDEN.test(pkg) || !ALLOWED_PACKAGES.has(pkg)) offences.push(`${file} imports package ${spec}`);
          }
        }
      }
      expect(offences).toEqual([]);
    });
  }

  it('only src/app.ts imports adapters', () => {
    const offenders = files('src').filter(
      (f) => f !== join('src', 'app.ts') && imports(f).some((s) => s.includes('adapters/')),
    );
    expect(offenders).toEqual([]);
  });

  it('the check itself notices a forbidden import', () => {
    expect(imports(join('src', 'app.ts')).some((s) => s.includes('adapters/'))).toBe(true);
  });
});
