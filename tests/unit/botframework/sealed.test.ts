import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Microsoft is retiring the Bot Framework SDK in favour of the Microsoft 365 Agents SDK: botbuilder stays
 * sealed inside adapters/botframework/ so that swapping it touches nothing else.
 */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const SDK = /(?:from\s+|import\(\s*)['"](botbuilder[^'"]*|botframework-[^'"]*)['"]/;

describe('botbuilder is sealed in adapters/botframework', () => {
  it('is imported nowhere else', () => {
    const offenders = ['src', 'adapters', 'tests']
      .flatMap(files)
      .filter((f) => !f.startsWith(join('adapters', 'botframework')) && SDK.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('is used at run time only by client.ts (render.ts imports its types)', () => {
    const users = files(join('adapters', 'botframework')).filter((f) =>
      /^import\s+(?!type\b)[^;]*from\s+['"]botbuilder['"]/m.test(readFileSync(f, 'utf8')),
    );
    expect(users).toEqual([join('adapters', 'botframework', 'client.ts')]);
  });
});
