import { foldWords } from '../../knowledge/text-analysis.ts';
import type { Step } from '../compose.ts';
import { reply, type Turn, textPart } from '../turn.ts';
import type { CommandTable } from './commands.ts';

/**
 * The patient owns their data: /mydata shows what is stored, /export sends a full copy, /delete erases
 * it after an explicit confirmation. Staff see the erasure only as an audit entry without content.
 */
export const privacyCommands: CommandTable = {
  async mydata(turn) {
    const data = await turn.crm.exportContact(turn.contact.id);
    const messages = data?.conversations.reduce((n, c) => n + c.messages.length, 0) ?? 0;
    reply(
      turn,
      [
        textPart(
          turn.kb.response('mydata', turn.language, {
            name: data?.contact.displayName ?? '—',
            language: turn.kb.languageName(turn.language),
            since: data?.contact.createdAt.slice(0, 10) ?? '',
            messages,
            channels: data?.identities.map((i) => i.channel).join(', ') ?? '',
          }),
        ),
      ],
      { action: 'command', reason: 'mydata' },
    );
  },
  async export(turn) {
    const data = await turn.crm.exportContact(turn.contact.id);
    const lines = (data?.conversations ?? []).flatMap((c) =>
      c.messages
        .filter((m) => m.direction !== 'note')
        .map((m) => `${m.createdAt.slice(0, 16).replace('T', ' ')} ${m.direction === 'in' ? '>' : '<'} ${m.text}`),
    );
    reply(turn, [textPart(turn.kb.response('export_intro', turn.language)), textPart(lines.join('\n') || '—')], {
      action: 'command',
      reason: 'export',
    });
  },
  delete(turn) {
    turn.state.pendingErasure = true;
    reply(
      turn,
      [
        {
          kind: 'choices',
          prompt: turn.kb.response('delete_confirm', turn.language),
          choices: [
            { id: 'privacy:erase', label: turn.kb.response('delete_yes', turn.language) },
            { id: 'privacy:keep', label: turn.kb.response('delete_no', turn.language) },
          ],
        },
      ],
      { action: 'command', reason: 'delete_requested' },
    );
  },
};

/** The answer to "/delete": erase only on an explicit yes (button or the confirmation word). */
export const erasureConfirmationStep: Step<Turn> = async (turn, next) => {
  if (!turn.state.pendingErasure) return next();
  turn.state.pendingErasure = false;
  const content = turn.inbound.content;
  const word = foldWords(turn.kb.response('delete_yes', turn.language)).join(' ');
  const confirmed =
    (content.kind === 'choice' && content.choiceId === 'privacy:erase') ||
    (turn.text !== undefined && foldWords(turn.text).join(' ') === word);
  if (!confirmed) {
    if (content.kind === 'choice' && content.choiceId === 'privacy:keep') {
      reply(turn, [textPart(turn.kb.response('delete_cancelled', turn.language))], {
        action: 'command',
        reason: 'delete_cancelled',
      });
      return;
    }
    return next();
  }
  reply(turn, [textPart(turn.kb.response('delete_done', turn.language))], { action: 'command', reason: 'deleted' });
  const contactId = turn.contact.id;
  turn.afterDelivery.push(async () => {
    await turn.crm.deleteContact(contactId);
    await turn.crm.appendAudit({ actor: 'patient', action: 'contact.erase', subject: contactId, at: turn.clock.now() });
  });
};
