import { Command } from 'commander';
import { loadEnv } from '../config/env.ts';
import { AppError } from '../core/errors.ts';
import { runAsk } from './ask.ts';
import { runAuditList, runAuditVerify } from './audit-commands.ts';
import { runTranscript } from './crm-commands.ts';
import { runDoctor } from './doctor.ts';
import { runEducatorAdd, runEducatorList } from './educator-commands.ts';
import { runKbEval, runKbGaps, runKbLint, runKbTestCommand } from './kb-commands.ts';
import { runQueueDead } from './queue-commands.ts';
import { runServe } from './serve.ts';
import { runWorker } from './worker.ts';

/** The `sehat` command. Every subcommand has --help. */
export function buildProgram(): Command {
  const program = new Command('sehat')
    .description('Sehat — health-education chatbot with educator handoff and a patient CRM')
    .showHelpAfterError();
  const exit = (code: number) => {
    process.exitCode = code;
  };

  program
    .command('serve')
    .description('run the server: web chat, channel webhooks, workers (what `npm start` runs)')
    .option('--workers <n>', 'also start n `sehat worker` processes (needs REDIS_URL)', '0')
    .action(async (options: { workers: string }) => {
      const workers = Number(options.workers);
      if (!Number.isInteger(workers) || workers < 0 || workers > 64)
        throw new AppError('config_invalid', '--workers must be a whole number from 0 to 64');
      await runServe(loadEnv(), { workers });
    });

  program
    .command('worker')
    .description('only work the shared queue: handle messages and send replies, serve no HTTP (needs REDIS_URL)')
    .action(async () => runWorker(loadEnv()));

  program
    .command('ask')
    .description('ask the bot a question as a patient would, and see its reply and Decision')
    .argument('[text]', 'the message, e.g. "what is dengue?"')
    .option('--lang <code>', 'reply language (en, id, …) instead of detecting it')
    .option('--json', 'print { reply, parts, decision, replies } as JSON')
    .option(
      '--jsonl',
      'read many messages from stdin, one {"text","lang"?,"conversation"?} per line; write one {reply, decision} per line',
    )
    .option('--db <url>', 'keep the conversation in this database (default: in memory)')
    .action(async (text: string | undefined, options) => exit(await runAsk(loadEnv(), text, options)));

  const kb = program.command('kb').description("check the knowledge base (editors' tools)");
  kb.command('lint')
    .description('check every article: fields, dates, duplicates, missing translations, overdue reviews')
    .option('--dir <path>', 'knowledge folder (default: KNOWLEDGE_DIR)')
    .option('--today <YYYY-MM-DD>', 'date to check review_due against')
    .action((options) => exit(runKbLint(loadEnv(), options)));
  kb.command('test')
    .description("check that every article's listed questions find that article first")
    .option('--dir <path>', 'knowledge folder (default: KNOWLEDGE_DIR)')
    .option('--lang <code>', 'only this language')
    .action((options) => exit(runKbTestCommand(loadEnv(), options)));
  kb.command('gaps')
    .description('list the most frequent unanswered questions from the CRM, grouped, with counts')
    .option('--days <n>', 'look back this many days', '30')
    .option('--limit <n>', 'show at most this many groups', '20')
    .option('--db <url>', 'database (default: DATABASE_URL)')
    .option('--json', 'print JSON')
    .action(async (options) => exit(await runKbGaps(loadEnv(), options)));
  kb.command('eval')
    .description(
      'measure search accuracy (top-1/top-3) on held-back phrasings, one {"lang","text","expected"} per line',
    )
    .argument('[file]', 'JSON lines file', 'tests/fixtures/kb-paraphrases.jsonl')
    .option('--dir <path>', 'knowledge folder (default: KNOWLEDGE_DIR)')
    .option('--verbose', 'list every miss')
    .action((file: string, options) => exit(runKbEval(loadEnv(), file, options)));

  const crm = program.command('crm').description('read the CRM');
  crm
    .command('transcript')
    .description('print a conversation with every message and the bot’s decisions')
    .argument('<ref>', 'contact id, conversation id, or conversation key like webchat:abc…')
    .option('--db <url>', 'database (default: DATABASE_URL)')
    .option('--json', 'print JSON')
    .action(async (ref: string, options) => exit(await runTranscript(loadEnv(), ref, options)));

  const educator = program.command('educator').description('manage accounts for the web educator console');
  educator
    .command('add')
    .description('create an educator account (asks for the password, or reads it from stdin)')
    .argument('<username>', 'login name, e.g. rina')
    .option('--name <display name>', 'name shown to patients, e.g. "Ns. Rina"')
    .option('--password-stdin', 'read the password from standard input')
    .option('--reset', 'set a new password for an existing educator')
    .option('--db <url>', 'database (default: DATABASE_URL)')
    .action(async (username: string, options) => exit(await runEducatorAdd(loadEnv(), username, options)));
  educator
    .command('list')
    .description('list educator accounts')
    .option('--db <url>', 'database (default: DATABASE_URL)')
    .action(async (options) => exit(await runEducatorList(loadEnv(), options)));

  const audit = program.command('audit').description('the append-only log of staff actions');
  audit
    .command('verify')
    .description('check the hash chain: exits 1 and names the first entry if any row was edited or removed')
    .option('--db <url>', 'database (default: DATABASE_URL)')
    .action(async (options) => exit(await runAuditVerify(loadEnv(), options)));
  audit
    .command('list')
    .description('show the newest staff actions')
    .option('--limit <n>', 'how many', '50')
    .option('--db <url>', 'database (default: DATABASE_URL)')
    .action(async (options) => exit(await runAuditList(loadEnv(), options)));

  program
    .command('queue')
    .description('the shared work queue (Redis mode)')
    .command('dead')
    .description('list messages the workers set aside after repeated failures')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action(async (options) => exit(await runQueueDead(loadEnv(), options)));

  program
    .command('doctor')
    .description('check the configuration and every connection, and say in plain words what is wrong')
    .action(async () => exit(await runDoctor()));

  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof AppError && error.code === 'config_invalid') {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    console.error(`sehat: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
