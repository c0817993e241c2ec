import { createInterface } from 'node:readline';
import type { Env } from '../config/env.ts';
import { openDatabase } from '../crm/open-database.ts';
import { createSqlCrmStore } from '../crm/sql-crm-store.ts';
import { createSqlHandoffStore } from '../crm/sql-handoff-store.ts';
import { hashPassword } from '../shared/password.ts';

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) return line.trim();
    return '';
  }
  // Interactive: don't echo the password.
  process.stdout.write('Password (min. 10 characters): ');
  return new Promise((resolve) => {
    let value = '';
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.on('data', function onData(chunk) {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdin.off('data', onData);
          process.stdout.write('\n');
          return resolve(value);
        }
        if (ch === '\u0003') process.exit(130);
        value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
      }
    });
  });
}

/** `sehat educator add <username> --name "Ns. Rina"`: creates a console account (password hashed with scrypt). */
export async function runEducatorAdd(
  env: Env,
  username: string,
  options: { name?: string; passwordStdin?: boolean; reset?: boolean; db?: string },
): Promise<number> {
  if (!/^[a-z0-9._-]{2,50}$/i.test(username)) {
    console.error('The username may use letters, digits, dot, dash and underscore (2–50 characters).');
    return 2;
  }
  const password = await readPassword(options.passwordStdin === true);
  if (password.length < 10) {
    console.error('The password must have at least 10 characters.');
    return 2;
  }
  const opened = await openDatabase(options.db ?? env.DATABASE_URL);
  const store = createSqlHandoffStore(opened);
  const crm = createSqlCrmStore(opened);
  try {
    const hash = await hashPassword(password);
    if (options.reset) {
      if (!(await store.setEducatorPassword(username, hash))) {
        console.error(`No educator "${username}".`);
        return 1;
      }
      await crm.appendAudit({ actor: 'cli', action: 'educator.password_reset', subject: username, at: new Date() });
      console.log(`Password of "${username}" changed.`);
      return 0;
    }
    const educator = await store.createEducator({
      username,
      displayName: options.name ?? username,
      passwordHash: hash,
      at: new Date(),
    });
    await crm.appendAudit({ actor: 'cli', action: 'educator.add', subject: username, at: new Date() });
    console.log(
      `Educator "${educator.username}" (${educator.displayName}) can now log in at ${env.PUBLIC_URL}/educator`,
    );
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  } finally {
    await crm.close();
  }
}

export async function runEducatorList(env: Env, options: { db?: string }): Promise<number> {
  const opened = await openDatabase(options.db ?? env.DATABASE_URL);
  try {
    const educators = await createSqlHandoffStore(opened).listEducators();
    if (educators.length === 0)
      console.log('No educators yet. Add one: sehat educator add <username> --name "Full Name"');
    for (const e of educators) console.log(`${e.username.padEnd(20)} ${e.displayName}`);
    return 0;
  } finally {
    await opened.close();
  }
}
