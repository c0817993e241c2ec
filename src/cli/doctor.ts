import { existsSync } from 'node:fs';
import { type Env, loadEnv } from '../config/env.ts';
import { openDatabase } from '../crm/open-database.ts';
import { createSqlHandoffStore } from '../crm/sql-handoff-store.ts';
import { buildSnapshot } from '../knowledge/knowledge-snapshot.ts';
import { loadKnowledgeFiles } from '../knowledge/load-knowledge.ts';
import { createRedisConnection, pingRedis, redactRedisUrl } from '../queue/redis-connection.ts';

interface Check {
  name: string;
  run: () => Promise<string>;
}

/** Plain-language reasons for common connection failures. */
function explain(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const text = e.message ?? String(error);
  if (e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(text))
    return 'nothing is listening at that address: is the server running, and are the host and port right?';
  if (e.code === 'ENOTFOUND' || /ENOTFOUND|getaddrinfo/.test(text))
    return 'the host name cannot be found: check the spelling of the host in the URL.';
  if (/password authentication failed|28P01/.test(text))
    return 'the database rejected the user name or password in DATABASE_URL.';
  if (/does not exist|3D000/.test(text))
    return 'the database named in DATABASE_URL does not exist: create it (createdb) or fix the name.';
  if (/timeout|ETIMEDOUT/i.test(text)) return 'no answer in time: a firewall, or the wrong host or port.';
  if (/MaxRetriesPerRequest|Connection is closed|Reached the max retries/i.test(text))
    return 'cannot connect: nothing answers at that address, or it refused the connection (check REDIS_URL).';
  return text;
}

/**
 * `sehat doctor`: checks the configuration and every connection and says, in plain words, what is wrong.
 * Extra checks (Redis, channels) are added by later modules through `extraChecks`.
 */
export async function runDoctor(extraChecks: (env: Env) => Check[] = () => []): Promise<number> {
  let env: Env;
  try {
    env = loadEnv();
    console.log('✔ configuration is valid');
  } catch (error) {
    console.log(`✘ configuration: ${(error as Error).message}`);
    return 1;
  }
  const checks: Check[] = [
    {
      name: 'database',
      run: async () => {
        const opened = await openDatabase(env.DATABASE_URL);
        try {
          const educators = await createSqlHandoffStore(opened).listEducators();
          return `${opened.description} reachable, schema up to date; ${educators.length} educator account(s)${educators.length ? '' : ' — add one: sehat educator add <username>'}`;
        } finally {
          await opened.close();
        }
      },
    },
    {
      name: 'knowledge base',
      run: async () => {
        if (!existsSync(env.KNOWLEDGE_DIR)) throw new Error(`folder ${env.KNOWLEDGE_DIR} not found (KNOWLEDGE_DIR)`);
        const files = loadKnowledgeFiles(env.KNOWLEDGE_DIR);
        const errors = files.problems.filter((p) => p.severity === 'error');
        if (errors.length)
          throw new Error(
            `${errors.length} broken file(s), e.g. ${errors[0]?.file}: ${errors[0]?.message} — run sehat kb lint`,
          );
        const snapshot = buildSnapshot(files, { languages: env.LANGUAGES, defaultLanguage: env.DEFAULT_LANGUAGE });
        const missing = env.LANGUAGES.filter((l) => snapshot.articles(l).length === 0);
        if (missing.length) throw new Error(`no articles in ${missing.join(', ')} although LANGUAGES lists it`);
        return `${snapshot.articleCount()} articles in ${env.LANGUAGES.join(', ')}`;
      },
    },
    ...(env.REDIS_URL
      ? [
          {
            name: 'redis',
            run: async () => {
              const redis = createRedisConnection(env.REDIS_URL as string, { connectTimeoutMs: 3000 });
              redis.on('error', () => {});
              try {
                await pingRedis(redis);
                return `${redactRedisUrl(env.REDIS_URL as string)} answers`;
              } finally {
                redis.disconnect();
              }
            },
          },
        ]
      : []),
    ...extraChecks(env),
  ];
  let failed = 0;
  for (const check of checks) {
    try {
      console.log(`✔ ${check.name}: ${await check.run()}`);
    } catch (error) {
      failed += 1;
      console.log(`✘ ${check.name}: ${explain(error)}`);
    }
  }
  console.log(failed ? `\n${failed} problem(s) found.` : '\nAll checks passed.');
  return failed ? 1 : 0;
}
