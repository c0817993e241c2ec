import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` must install whatsapp-web.js from the npm registry alone: puppeteer (its browser driver) must never
 * download a browser. Checked by hand with `unshare --net npm ci --offline` on a warm cache (see the report);
 * these checks keep the guarantees from regressing. CI's `npm ci` in a fresh clone is the end-to-end proof.
 */
const require = createRequire(import.meta.url);

describe('whatsapp-web.js installs without downloading a browser', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));

  it('is a dependency, locked, with qrcode-terminal for the login QR', () => {
    expect(pkg.dependencies).toHaveProperty('whatsapp-web.js');
    expect(pkg.dependencies).toHaveProperty('qrcode-terminal');
    expect(lock.packages).toHaveProperty(['node_modules/whatsapp-web.js']);
    expect(lock.packages).toHaveProperty(['node_modules/puppeteer']);
  });

  it("denies puppeteer's install script (the one that would download Chrome)", () => {
    expect(lock.packages['node_modules/puppeteer'].hasInstallScript).toBe(true);
    expect(pkg.allowScripts?.puppeteer).toBe(false);
  });

  it('tells puppeteer to skip its download and use Debian’s Chromium', () => {
    const config = require('../../../.puppeteerrc.cjs');
    expect(config.skipDownload).toBe(true);
    expect(config.executablePath).toBe(process.env.CHROMIUM_PATH || '/usr/bin/chromium');
  });

  it('locks nothing that comes from outside the npm registry', () => {
    const outside = Object.entries(lock.packages as Record<string, { resolved?: string }>)
      .map(([, entry]) => entry.resolved)
      .filter((url): url is string => typeof url === 'string' && !url.startsWith('https://registry.npmjs.org/'));
    expect(outside).toEqual([]);
  });
});
