import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import pg from 'pg';

/**
 * Suites that need a real service call these at module level. On a developer's machine without the service
 * they are skipped with a notice saying how to run them; under CI=true a missing service fails the run.
 */
export const IN_CI = process.env.CI === 'true';

export const POSTGRES_ADMIN_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const HOW_TO = 'run `sudo bash scripts/services.sh && eval "$(bash scripts/services.sh --env)"` first (CI does this)';

function decide(name: string, available: boolean, suite: string): boolean {
  if (available) return true;
  if (IN_CI)
    throw new Error(`${suite} needs ${name}, which is not available: under CI=true this is a failure, not a skip`);
  console.warn(`\n  SKIPPED ${suite}: ${name} is not available — ${HOW_TO}\n`);
  return false;
}

function tcpReachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || defaultPort), hostname, () => done(true));
  });
}

export async function postgresAvailable(suite: string): Promise<boolean> {
  let ok = await tcpReachable(POSTGRES_ADMIN_URL, 5432);
  if (ok) {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
    ok = await client.connect().then(
      () => client.end().then(() => true),
      () => false,
    );
  }
  return decide(`PostgreSQL at ${POSTGRES_ADMIN_URL.replace(/:[^:@/]+@/, ':***@')}`, ok, suite);
}

export async function redisAvailable(suite: string): Promise<boolean> {
  return decide(`Redis at ${REDIS_URL}`, await tcpReachable(REDIS_URL, 6379), suite);
}

export function chromiumAvailable(suite: string): boolean {
  return decide(`Chromium at ${CHROMIUM_PATH}`, existsSync(CHROMIUM_PATH), suite);
}

/** A fresh, empty PostgreSQL database for one test file; drop() removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sehat_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
