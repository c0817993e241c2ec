import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';

const run = promisify(execFile);

/** Runs the real `sehat` command as an editor or operator would. */
async function sehat(
  args: string[],
  input?: string,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  // No model server in these tests, even on a machine where OPENAI_API_KEY is set.
  const env = { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: 'sqlite::memory:', OPENAI_API_KEY: '', ...extraEnv };
  const child = run('node', ['bin/sehat.js', ...args], { env, maxBuffer: 64 * 1024 * 1024 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each test spawns real `sehat` processes; on a loaded 2-core machine one start-up can take seconds.
describe('the sehat command', { timeout: 180_000 }, () => {
  it('ask --json prints the reply and its Decision in the documented shape', async () => {
    const { code, stdout } = await sehat(['ask', '--json', 'what is a normal blood sugar level?']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      reply: expect.stringContaining('Diabetes'),
      decision: { triage: 'routine', action: 'answer', language: 'en' },
    });
    expect(result.decision.articles[0].id).toBe('diabetes-basics');
    expect(result.decision.confidence).toBeGreaterThan(0.35);
    expect(result.parts.some((p: { kind: string }) => p.kind === 'article')).toBe(true);
  });

  it('ask --lang id answers in Indonesian', async () => {
    const { stdout } = await sehat(['ask', '--json', '--lang', 'id', 'what is dengue?']);
    const { decision } = JSON.parse(stdout);
    expect(decision.language).toBe('id');
    expect(decision.articles[0].id).toBe('dengue');
  });

  it('ask --jsonl answers many lines in order, keeping conversations together', async () => {
    const lines = [
      { text: 'what is dengue?', conversation: 'a' },
      { text: 'gula darah normal berapa?', conversation: 'b' },
      { text: 'more', conversation: 'a' },
      'not json',
      { text: '' },
    ].map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
    const { code, stdout } = await sehat(['ask', '--jsonl'], `${lines.join('\n')}\n`);
    expect(code).toBe(0);
    const out = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(5);
    expect(out[0].decision.articles[0].id).toBe('dengue');
    expect([out[1].decision.language, out[1].decision.articles[0].id]).toEqual(['id', 'diabetes-basics']);
    expect([out[2].decision.action, out[2].decision.articles[0].id]).toEqual(['more', 'dengue']);
    expect(out[3].error).toMatch(/line 4: not valid JSON/);
    expect(out[4].error).toMatch(/line 5/);
  });

  it('kb lint and kb test pass on the shipped knowledge base', async () => {
    const lint = await sehat(['kb', 'lint']);
    expect(lint.stdout).toMatch(/0 error\(s\)/);
    expect(lint.code).toBe(0);
    const test = await sehat(['kb', 'test']);
    expect(test.stdout).toMatch(/en: \d+\/\d+ questions find their own article first/);
    expect(test.code).toBe(0);
  });

  it('crm transcript shows both directions with decisions', async () => {
    const db = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sehat-cli-')), 'crm.db')}`;
    await sehat(['ask', '--db', db, 'what is tuberculosis?']);
    const { code, stdout } = await sehat(['crm', 'transcript', '--db', db, 'webchat:cli-single']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/patient\s+what is tuberculosis\?/);
    expect(stdout).toMatch(/decision: triage=routine action=answer lang=en .*article=tuberculosis/);
  });

  it('kb gaps lists unanswered questions from the CRM, grouped, most frequent first', async () => {
    const db = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sehat-gaps-')), 'crm.db')}`;
    const lines = [
      'how do i prevent rabies after a dog bite',
      'rabies dog bite how to prevent',
      'how to prevent rabies from a dog bite',
      'can i get a tattoo while breastfeeding',
      'what is dengue?',
    ].map((text, i) => JSON.stringify({ text, conversation: `g${i}` }));
    await sehat(['ask', '--jsonl', '--db', db], `${lines.join('\n')}\n`);
    const { code, stdout } = await sehat(['kb', 'gaps', '--db', db, '--json']);
    expect(code).toBe(0);
    const clusters = JSON.parse(stdout) as { count: number; examples: string[]; lang: string }[];
    expect(clusters[0]).toMatchObject({ count: 3, lang: 'en' });
    expect(clusters[0]?.examples.join(' ')).toMatch(/rabies/);
    expect(clusters.map((c) => c.examples.join(' ')).join(' ')).not.toMatch(/dengue/);
    const human = await sehat(['kb', 'gaps', '--db', db]);
    expect(human.stdout).toMatch(/^\s+3 × \[en\]/m);
  });

  it('audit verify detects an edited audit row', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sehat-audit-')), 'crm.db');
    await sehat(
      ['educator', 'add', 'rina', '--name', 'Ns. Rina', '--password-stdin', '--db', `sqlite:${file}`],
      'a-long-password\n',
    );
    await sehat(
      ['educator', 'add', 'budi', '--name', 'Ns. Budi', '--password-stdin', '--db', `sqlite:${file}`],
      'another-long-password\n',
    );
    const intact = await sehat(['audit', 'verify', '--db', `sqlite:${file}`]);
    expect([intact.code, intact.stdout]).toEqual([0, expect.stringMatching(/intact: 2 entries/)]);
    const db = new Database(file);
    db.prepare("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 1").run();
    db.close();
    const tampered = await sehat(['audit', 'verify', '--db', `sqlite:${file}`]);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/TAMPERED: entry #1/);
  });

  it('doctor says in plain words what is wrong with the database', async () => {
    const { code, stdout } = await sehat(['doctor'], undefined, {
      DATABASE_URL: 'postgres://sehat:x@127.0.0.1:1/sehat',
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/✘ database: nothing is listening at that address/);
  });

  it('has --help on every command, with a description', async () => {
    const { stdout, code } = await sehat(['--help']);
    expect([code, stdout]).toEqual([0, expect.stringMatching(/Usage: sehat/)]);
    // Every subcommand, however deep, explains itself (checked in-process: spawning each is slow).
    const walk = (command: Command, path: string[]): [string, Command][] =>
      command.commands.flatMap((sub) => [
        [[...path, sub.name()].join(' '), sub] as [string, Command],
        ...walk(sub, [...path, sub.name()]),
      ]);
    const all = walk(buildProgram(), []);
    expect(all.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'serve',
        'worker',
        'ask',
        'kb lint',
        'kb test',
        'kb eval',
        'kb gaps',
        'crm transcript',
        'educator add',
        'audit verify',
        'doctor',
      ]),
    );
    for (const [name, command] of all) {
      expect(command.description(), name).not.toBe('');
      expect(command.helpInformation(), name).toMatch(/^Usage: /);
    }
  });
});
