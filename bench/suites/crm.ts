import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { CrmStore } from '../../src/crm/crm-store.ts';
import { openDatabase } from '../../src/crm/open-database.ts';
import { createSqlCrmStore } from '../../src/crm/sql-crm-store.ts';
import { newId } from '../../src/shared/ids.ts';
import { createTestDatabase, POSTGRES_ADMIN_URL } from '../../tests/support/services.ts';
import type { Suite } from '../lib/context.ts';
import { WORK_DIR } from '../lib/procs.ts';
import { median } from '../lib/stats.ts';

/**
 * 4. CRM writes: one exchange — contact upsert (an existing patient: a lookup), the inbound message, the
 * reply, the conversation update — through the CrmStore (Kysely) vs the raw driver running the same
 * statements (better-sqlite3 statements prepared once; pg parameterised queries, as Kysely sends them).
 */
const CONTACTS = 500;
const DECISION = JSON.stringify({
  triage: 'routine',
  rules: [],
  action: 'answer',
  articles: [{ id: 'dengue', score: 42.1 }],
  confidence: 0.91,
  language: 'en',
});
const REPLY = 'Dengue is an infection spread by Aedes mosquitoes. Rest, drink plenty of fluids and use paracetamol.';
const PARTS = [{ kind: 'text' as const, markdown: REPLY }];

interface Seeded {
  conversations: { externalId: string; conversationId: string }[];
}

async function seed(crm: CrmStore): Promise<Seeded> {
  const at = new Date();
  const conversations: Seeded['conversations'] = [];
  for (let i = 0; i < CONTACTS; i++) {
    const externalId = `6281200${i}`;
    const contact = await crm.upsertContact({ channel: 'whatsapp', externalId, displayName: `Patient ${i}`, at });
    const conversation = await crm.openConversation({
      contactId: contact.id,
      channel: 'whatsapp',
      key: `whatsapp:${externalId}`,
      language: 'en',
      at,
    });
    conversations.push({ externalId, conversationId: conversation.id });
  }
  return { conversations };
}

type Exchange = (i: number) => Promise<void>;

function storeExchange(crm: CrmStore, seeded: Seeded, run: string): Exchange {
  return async (i) => {
    const c = seeded.conversations[i % CONTACTS] as Seeded['conversations'][number];
    const at = new Date();
    await crm.upsertContact({
      channel: 'whatsapp',
      externalId: c.externalId,
      displayName: `Patient ${i % CONTACTS}`,
      at,
    });
    const inbound = await crm.recordInbound({
      conversationId: c.conversationId,
      channel: 'whatsapp',
      platformMessageId: `wamid.${run}.${i}`,
      content: { kind: 'text', text: 'what is dengue' },
      text: 'what is dengue',
      receivedAt: at,
    });
    await crm.recordOutbound({
      conversationId: c.conversationId,
      channel: 'whatsapp',
      sender: { kind: 'bot' },
      parts: PARTS,
      text: REPLY,
      decision: JSON.parse(DECISION),
      correlationId: typeof inbound === 'string' ? 'dup' : inbound.id,
      at,
    });
    await crm.updateConversation(
      c.conversationId,
      { state: { lastArticleId: 'dengue', sectionIndex: i % 5 }, language: 'en' },
      at,
    );
  };
}

const SELECT_CONTACT =
  'select "c"."id", "c"."display_name", "c"."language", "c"."created_at" from "contact_identities" as "i" inner join "contacts" as "c" on "c"."id" = "i"."contact_id" where "i"."channel" = $1 and "i"."external_id" = $2';
const INSERT_IN =
  'insert into "messages" ("id", "conversation_id", "direction", "author_kind", "author_id", "channel", "platform_message_id", "dedupe_key", "content", "text", "decision", "status", "error", "correlation_id", "created_at", "updated_at") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) on conflict ("dedupe_key") do nothing returning "id"';
const INSERT_OUT =
  'insert into "messages" ("id", "conversation_id", "direction", "author_kind", "author_id", "channel", "platform_message_id", "dedupe_key", "content", "text", "decision", "status", "error", "correlation_id", "created_at", "updated_at") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)';
const UPDATE_CONV = 'update "conversations" set "language" = $1, "state" = $2, "updated_at" = $3 where "id" = $4';
const sqlite = (text: string) => text.replace(/\$\d+/g, '?');

function params(i: number, c: Seeded['conversations'][number], run: string) {
  const at = new Date().toISOString();
  const inId = newId('msg_');
  return {
    contact: ['whatsapp', c.externalId],
    inbound: [
      inId,
      c.conversationId,
      'in',
      'patient',
      null,
      'whatsapp',
      `wamid.${run}.${i}`,
      `whatsapp:wamid.${run}.${i}`,
      JSON.stringify({ kind: 'text', text: 'what is dengue' }),
      'what is dengue',
      null,
      'received',
      null,
      null,
      at,
      at,
    ],
    outbound: [
      newId('msg_'),
      c.conversationId,
      'out',
      'bot',
      null,
      'whatsapp',
      null,
      null,
      JSON.stringify(PARTS),
      REPLY,
      DECISION,
      'pending',
      null,
      inId,
      at,
      at,
    ],
    update: ['en', JSON.stringify({ lastArticleId: 'dengue', sectionIndex: i % 5 }), at, c.conversationId],
  };
}

async function rate(exchange: Exchange, count: number, concurrency: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await exchange(next++);
    }),
  );
  return count / ((performance.now() - t0) / 1000);
}

let runs = 0;
async function compare(
  ctx: Parameters<Suite['run']>[0],
  label: string,
  store: (run: string) => Exchange,
  raw: (run: string) => Exchange,
  count: number,
  concurrency: number,
  target: number,
) {
  const base: number[] = [];
  const sys: number[] = [];
  await rate(raw(`w${++runs}`), Math.min(200, count), concurrency);
  await rate(store(`w${++runs}`), Math.min(200, count), concurrency);
  for (let rep = 0; rep < ctx.reps; rep++) {
    base.push(await rate(raw(`b${++runs}`), count, concurrency));
    sys.push(await rate(store(`s${++runs}`), count, concurrency));
  }
  base.push(await rate(raw(`b${++runs}`), count, concurrency));
  ctx.reporter.emit({
    suite: 'crm',
    name: `${label}.exchanges_per_s`,
    value: median(sys),
    unit: 'exchanges/s',
    baseline: median(base),
    baselineName: 'raw driver',
    target: { on: 'ratio', op: '>=', threshold: target, text: `≥ ${target * 100} % of raw` },
    note: `${count} exchanges per run, ${concurrency} in flight, median of ${ctx.reps} interleaved runs; exchange = upsertContact (existing) + recordInbound + recordOutbound + updateConversation`,
  });
}

export const crmSuite: Suite = {
  name: 'crm',
  title: 'CRM writes: store vs raw driver (SQLite; PostgreSQL pool 1 and 16)',
  async run(ctx) {
    const { quick } = ctx;
    // --- SQLite: two files seeded alike, one for the store, one for the raw driver ---
    const storeDb = await openDatabase(`sqlite:${join(WORK_DIR, 'crm-store.db')}`);
    const storeCrm = createSqlCrmStore(storeDb);
    const storeSeed = await seed(storeCrm);
    const rawFile = join(WORK_DIR, 'crm-raw.db');
    const rawSetup = await openDatabase(`sqlite:${rawFile}`);
    const rawSeed = await seed(createSqlCrmStore(rawSetup));
    await rawSetup.close();
    const db = new SqliteDatabase(rawFile);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const s = {
      contact: db.prepare(sqlite(SELECT_CONTACT)),
      inbound: db.prepare(sqlite(INSERT_IN)),
      outbound: db.prepare(sqlite(INSERT_OUT)),
      update: db.prepare(sqlite(UPDATE_CONV)),
    };
    const rawSqlite =
      (run: string): Exchange =>
      async (i) => {
        const p = params(i, rawSeed.conversations[i % CONTACTS] as Seeded['conversations'][number], run);
        s.contact.get(...p.contact);
        s.inbound.get(...p.inbound);
        s.outbound.run(...p.outbound);
        s.update.run(...p.update);
      };
    await compare(
      ctx,
      'sqlite',
      (run) => storeExchange(storeCrm, storeSeed, run),
      rawSqlite,
      quick ? 1000 : 10_000,
      1,
      0.5,
    );
    db.close();
    await storeCrm.close();

    // --- PostgreSQL, pool 1 and 16 ---
    const reachable = await new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 })
      .connect()
      .then(
        () => true,
        () => false,
      );
    if (!reachable) {
      ctx.reporter.note(
        `crm: PostgreSQL not reachable at ${POSTGRES_ADMIN_URL.replace(/:[^:@/]+@/, ':***@')} — run \`bash scripts/services.sh\`; PostgreSQL figures skipped`,
      );
      return;
    }
    for (const pool of [1, 16]) {
      const storeDatabase = await createTestDatabase();
      const rawDatabase = await createTestDatabase();
      try {
        const opened = await openDatabase(storeDatabase.url, { poolSize: pool });
        const crm = createSqlCrmStore(opened);
        const seededStore = await seed(crm);
        const rawOpened = await openDatabase(rawDatabase.url, { poolSize: 4 });
        const seededRaw = await seed(createSqlCrmStore(rawOpened));
        await rawOpened.close();
        const rawPool = new pg.Pool({ connectionString: rawDatabase.url, max: pool });
        const rawPg =
          (run: string): Exchange =>
          async (i) => {
            const p = params(i, seededRaw.conversations[i % CONTACTS] as Seeded['conversations'][number], run);
            await rawPool.query(SELECT_CONTACT, p.contact);
            await rawPool.query(INSERT_IN, p.inbound);
            await rawPool.query(INSERT_OUT, p.outbound);
            await rawPool.query(UPDATE_CONV, p.update);
          };
        await compare(
          ctx,
          `postgres_pool_${pool}`,
          (run) => storeExchange(crm, seededStore, run),
          rawPg,
          quick ? (pool === 1 ? 200 : 500) : 5000,
          pool,
          0.7,
        );
        await rawPool.end();
        await crm.close();
      } finally {
        await storeDatabase.drop().catch(() => {});
        await rawDatabase.drop().catch(() => {});
      }
    }
  },
};
