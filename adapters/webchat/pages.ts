import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/shared/package-root.ts';

const STATIC_DIR = join(PACKAGE_ROOT, 'adapters', 'webchat', 'static');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The chat page and the embeddable widget, served by Sehat's HTTP server (path → file). */
export const WEBCHAT_PAGES: Record<string, string> = {
  '/': 'index.html',
  '/chat': 'index.html',
  '/widget.js': 'widget.js',
};

/** Assets the page loads: served under /webchat/<name> and /<name> (relative links from / and /chat). */
export const ASSET_NAME = /^[a-z0-9-]+\.(js|css|svg)$/;

export function readWebchatPage(file: string): { body: string; type: string } | undefined {
  try {
    const body = readFileSync(join(STATIC_DIR, file), 'utf8');
    const type = TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
    return { body, type };
  } catch {
    return undefined;
  }
}
