import type { Step } from '../compose.ts';
import { reply, type Turn, textPart } from '../turn.ts';

export interface ParsedCommand {
  name: string;
  arg?: string;
}

/** "/lang id", "/start@SehatBot" (Telegram adds the bot name) → { name, arg }. */
export function parseCommand(turn: Turn): ParsedCommand | undefined {
  const content = turn.inbound.content;
  if (content.kind === 'command') return { name: content.name.toLowerCase(), arg: content.arg };
  if (content.kind !== 'text') return undefined;
  const match = /^\/([a-z_]+)(?:@\w+)?(?:\s+(.+))?$/is.exec(content.text.trim());
  if (!match) return undefined;
  return { name: (match[1] ?? '').toLowerCase(), arg: match[2]?.trim() };
}

type CommandHandler = (turn: Turn, arg: string | undefined) => Promise<void> | void;

/** Commands other modules add (e.g. /human from the handoff module, /mydata from privacy). */
export type CommandTable = Record<string, CommandHandler>;

export const baseCommands: CommandTable = {
  start(turn) {
    turn.state.greeted = true;
    reply(
      turn,
      [textPart(turn.kb.response('greeting', turn.language)), textPart(turn.kb.response('help', turn.language))],
      {
        action: 'command',
        reason: 'start',
      },
    );
  },
  help(turn) {
    reply(turn, [textPart(turn.kb.response('help', turn.language))], { action: 'command', reason: 'help' });
  },
  /** The patient ends the conversation: forget what we were talking about and say goodbye. */
  stop(turn) {
    turn.state.lastArticleId = undefined;
    turn.state.lastArticleLang = undefined;
    turn.state.sectionIndex = undefined;
    reply(turn, [textPart(turn.kb.response('goodbye', turn.language))], { action: 'command', reason: 'stop' });
  },
  lang(turn, arg) {
    const wanted = arg?.slice(0, 2).toLowerCase();
    const { languages } = turn.settings;
    if (!wanted || !languages.includes(wanted)) {
      const list = languages.map((l) => `${turn.kb.languageName(l)} (/lang ${l})`).join(', ');
      reply(turn, [textPart(turn.kb.response('language_unknown', turn.language, { languages: list }))], {
        action: 'command',
        reason: 'lang_unknown',
      });
      return;
    }
    turn.language = wanted;
    turn.state.languageLocked = true;
    reply(turn, [textPart(turn.kb.response('language_changed', wanted, { language: turn.kb.languageName(wanted) }))], {
      action: 'command',
      reason: 'lang',
    });
  },
};

export function createCommandsStep(table: CommandTable): Step<Turn> {
  return async (turn, next) => {
    const command = parseCommand(turn);
    const handler = command ? table[command.name] : undefined;
    if (!command || !handler) {
      if (command) {
        // Unknown command: treat as help rather than silence.
        await (table.help ?? baseCommands.help)?.(turn, undefined);
        return;
      }
      await next();
      return;
    }
    await handler(turn, command.arg);
  };
}
