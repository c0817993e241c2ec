import { randomBytes, randomFillSync } from 'node:crypto';

let lastMs = 0;
let seq = 0;
// Random bytes drawn 4 KB at a time: a system call per id showed up in the message path's profile.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/**
 * Time-sortable unique id (ULID-like, base36): rows created later sort later, which keeps transcripts in
 * order even when two messages share a millisecond.
 */
export function newId(prefix = ''): string {
  const ms = Date.now();
  if (ms === lastMs) seq += 1;
  else {
    lastMs = ms;
    seq = 0;
  }
  const time = ms.toString(36).padStart(9, '0');
  const counter = seq.toString(36).padStart(4, '0');
  return `${prefix}${time}${counter}${randomHex(6)}`;
}

/** 128-bit random token for secrets such as web chat session ids. */
export function newSecretToken(): string {
  return randomBytes(16).toString('base64url');
}
