import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/crm/open-database.ts';
import { createSqlCrmStore } from '../../src/crm/sql-crm-store.ts';
import { chatClient, startServerProcess } from '../support/server-process.ts';

describe('SIGTERM', () => {
  it('stops taking messages, finishes what it accepted, and exits cleanly; nothing accepted is lost', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sehat-term-')), 'crm.db');
    const server = await startServerProcess({ DATABASE_URL: `sqlite:${file}` });
    const patient = await chatClient(server.url);
    await patient.session();
    for (let i = 0; i < 20; i++) patient.send(`what is dengue? ${i}`);
    await expect.poll(() => patient.frames.filter((f) => f.type === 'ack').length, { timeout: 10_000 }).toBe(20);
    const code = await server.stop('SIGTERM');
    expect(code).toBe(0);
    expect(server.output()).toMatch(/shutting down: draining in-flight work/);

    const crm = createSqlCrmStore(await openDatabase(`sqlite:${file}`));
    const conversation = await crm.findConversationByKey(`webchat:${await patient.session()}`);
    const messages = await crm.listMessages(conversation?.id ?? '');
    await crm.close();
    const inbound = messages.filter((m) => m.direction === 'in');
    expect(inbound).toHaveLength(20);
    // Every accepted message was either handled before exit or is still marked for the next start-up.
    expect(inbound.every((m) => m.status === 'processed' || m.status === 'received' || m.status === 'throttled')).toBe(
      true,
    );
    expect(inbound.filter((m) => m.status === 'processed').length).toBeGreaterThan(0);
  });
});
