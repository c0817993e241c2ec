import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of Sehat's package.json. Files shipped beside the code (web pages, prompts) are found from
 * here rather than from the current module's own folder, because the same code also runs bundled into one
 * file (dist/sehat.mjs, see scripts/build.mjs), where a module's folder is dist/.
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'adapters'))) return dir;
    if (dirname(dir) === dir) throw new Error(`Sehat's package folder not found above ${from}`);
  }
}
