import { createHash } from 'node:crypto';

/**
 * Each audit entry carries the hash of the previous one, so editing or deleting a row breaks the chain
 * from that row on (`sehat audit verify`).
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: string;
}

export function hashAuditEntry(prevHash: string, entry: ChainedFields): string {
  const canonical = JSON.stringify([
    prevHash,
    entry.id,
    entry.at,
    entry.actor,
    entry.action,
    entry.subject,
    entry.details,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface ChainBreak {
  seq: number;
  id: string;
  problem: 'hash_mismatch' | 'prev_hash_mismatch';
}

export function verifyAuditChain(
  entries: (ChainedFields & { seq: number; prevHash: string; hash: string })[],
): ChainBreak | undefined {
  let prev = GENESIS_HASH;
  for (const entry of entries) {
    if (entry.prevHash !== prev) return { seq: entry.seq, id: entry.id, problem: 'prev_hash_mismatch' };
    if (hashAuditEntry(prev, entry) !== entry.hash) return { seq: entry.seq, id: entry.id, problem: 'hash_mismatch' };
    prev = entry.hash;
  }
  return undefined;
}
