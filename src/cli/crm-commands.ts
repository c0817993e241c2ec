import type { Env } from '../config/env.ts';
import type { ConversationKey } from '../core/types.ts';
import type { StoredMessage } from '../crm/crm-store.ts';
import { openDatabase } from '../crm/open-database.ts';
import { createSqlCrmStore } from '../crm/sql-crm-store.ts';

function formatMessage(m: StoredMessage): string {
  const who =
    m.direction === 'in' ? 'patient' : m.author.kind === 'educator' ? `educator ${m.author.id}` : m.author.kind;
  const decision = m.decision
    ? `\n    ↳ decision: triage=${m.decision.triage} action=${m.decision.action} lang=${m.decision.language} confidence=${m.decision.confidence}${m.decision.articles[0] ? ` article=${m.decision.articles[0].id}` : ''}`
    : '';
  const status = m.direction === 'out' && m.status !== 'sent' ? ` [${m.status}${m.error ? `: ${m.error}` : ''}]` : '';
  return `${m.createdAt}  ${who.padEnd(10)} ${m.text.replace(/\n/g, '\n' + ' '.repeat(36))}${status}${decision}`;
}

/** `sehat crm transcript <contact|conversation|key>`: every message, both directions, with its Decision. */
export async function runTranscript(env: Env, ref: string, options: { db?: string; json?: boolean }): Promise<number> {
  const opened = await openDatabase(options.db ?? env.DATABASE_URL);
  const crm = createSqlCrmStore(opened);
  try {
    let conversations = [];
    const byId = await crm.getConversation(ref);
    const byKey = ref.includes(':') ? await crm.findConversationByKey(ref as ConversationKey) : undefined;
    if (byId) conversations = [byId];
    else if (byKey) conversations = [byKey];
    else conversations = await crm.listConversations(ref);
    if (conversations.length === 0) {
      console.error(`No contact or conversation "${ref}" in ${opened.description}.`);
      return 1;
    }
    for (const conversation of conversations) {
      const messages = await crm.listMessages(conversation.id);
      if (options.json) {
        console.log(JSON.stringify({ conversation, messages }, null, 2));
        continue;
      }
      const contact = await crm.getContact(conversation.contactId);
      console.log(
        `Conversation ${conversation.id} (${conversation.key}) — contact ${contact?.id} ${contact?.displayName ?? ''} — mode ${conversation.mode}, language ${conversation.language}`,
      );
      for (const m of messages) console.log(formatMessage(m));
      console.log('');
    }
    return 0;
  } finally {
    await crm.close();
  }
}
