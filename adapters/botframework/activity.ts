import { z } from 'zod';

/**
 * The part of the Bot Framework Activity schema Sehat reads, and the conversation reference it keeps.
 * Unknown fields are allowed and ignored (channels add their own, e.g. Teams' channelData).
 * @see https://github.com/microsoft/botframework-sdk/blob/main/specs/botframework-activity/botframework-activity.md
 */
const account = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional().catch(undefined),
  role: z.string().optional().catch(undefined),
});

const conversationAccount = z.looseObject({
  id: z.string().min(1),
  conversationType: z.string().optional().catch(undefined),
  tenantId: z.string().optional().catch(undefined),
  isGroup: z.boolean().optional().catch(undefined),
});

const attachment = z.looseObject({
  contentType: z.string(),
  contentUrl: z.string().optional().catch(undefined),
  name: z.string().optional().catch(undefined),
  content: z.unknown().optional(),
});

const entity = z.looseObject({
  type: z.string(),
  mentioned: z.looseObject({ id: z.string() }).optional().catch(undefined),
  text: z.string().optional().catch(undefined),
});

export const activitySchema = z.looseObject({
  type: z.string().min(1),
  id: z.string().optional(),
  serviceUrl: z.string().optional(),
  channelId: z.string().optional(),
  from: account.optional(),
  recipient: account.optional(),
  conversation: conversationAccount.optional(),
  text: z.string().optional().catch(undefined),
  locale: z.string().optional().catch(undefined),
  value: z.unknown().optional(),
  name: z.string().optional().catch(undefined),
  action: z.string().optional().catch(undefined),
  attachments: z.array(attachment).optional().catch(undefined),
  entities: z.array(entity).optional().catch(undefined),
  membersAdded: z.array(account).optional().catch(undefined),
  membersRemoved: z.array(account).optional().catch(undefined),
});

export type BotActivity = z.infer<typeof activitySchema>;

/**
 * What TurnContext.getConversationReference keeps of an activity: enough to send into the conversation
 * later (proactively) through CloudAdapter.continueConversationAsync. Stored by the core as the
 * conversation's reply context (plain JSON).
 */
export const conversationReferenceSchema = z.object({
  activityId: z.string().optional(),
  user: z.object({ id: z.string().min(1), name: z.string().optional(), role: z.string().optional() }),
  bot: z.object({ id: z.string().min(1), name: z.string().optional(), role: z.string().optional() }),
  conversation: z.object({
    id: z.string().min(1),
    conversationType: z.string().optional(),
    tenantId: z.string().optional(),
    isGroup: z.boolean().optional(),
  }),
  channelId: z.string().min(1),
  locale: z.string().optional(),
  serviceUrl: z.url({ protocol: /^https?$/ }),
});

export type BotConversationReference = z.infer<typeof conversationReferenceSchema>;

/** Key of the `value` our buttons send back (suggested actions, hero card and Adaptive Card submits). */
export const CHOICE_VALUE_KEY = 'sehatChoice';

/** Teams renders cards (not suggested actions) for choices. */
export const TEAMS_CHANNEL_ID = 'msteams';
