import type { Kysely } from 'kysely';
import { newId } from '../../shared/ids.ts';
import type { CrmStore, UnansweredQuestion } from '../crm-store.ts';
import type { Database } from '../schema.ts';
import { guard, iso } from './common.ts';

/** Unanswered questions: the editors' to-do list. */
export function sqlUnanswered(db: Kysely<Database>): Pick<CrmStore, 'recordUnanswered' | 'listUnanswered'> {
  return {
    recordUnanswered: (input) =>
      guard('recordUnanswered', async () => {
        await db
          .insertInto('unanswered_questions')
          .values({
            id: newId('uq_'),
            conversation_id: input.conversationId,
            message_id: input.messageId,
            language: input.language,
            text: input.text,
            best_article_id: input.bestArticleId,
            best_confidence: input.bestConfidence,
            created_at: iso(input.at),
          })
          .execute();
      }),

    listUnanswered: (options = {}) =>
      guard('listUnanswered', async () => {
        let query = db.selectFrom('unanswered_questions').selectAll().orderBy('created_at', 'desc');
        if (options.since) query = query.where('created_at', '>=', iso(options.since));
        if (options.limit) query = query.limit(options.limit);
        const rows = await query.execute();
        return rows.map(
          (r): UnansweredQuestion => ({
            id: r.id,
            conversationId: r.conversation_id,
            messageId: r.message_id,
            language: r.language,
            text: r.text,
            bestArticleId: r.best_article_id,
            bestConfidence: Number(r.best_confidence),
            createdAt: r.created_at,
          }),
        );
      }),
  };
}
