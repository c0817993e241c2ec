import type { ConversationKey, TriageClass } from '../core/types.ts';

export type HandoffReason = Exclude<TriageClass, 'routine' | 'out_of_scope'> | 'unanswered';
export type HandoffPriority = 'urgent' | 'high' | 'normal';
/** waiting → claimed (one educator) → closed; claimed → waiting again when released. */
export type HandoffStatus = 'waiting' | 'claimed' | 'closed';

export const PRIORITY_RANK: Record<HandoffPriority, number> = { urgent: 0, high: 1, normal: 2 };

export interface Handoff {
  id: string;
  conversationId: string;
  conversationKey: ConversationKey;
  reason: HandoffReason;
  priority: HandoffPriority;
  status: HandoffStatus;
  educatorId: string | null;
  tags: string[];
  outcome: string | null;
  createdAt: string;
  claimedAt: string | null;
  closedAt: string | null;
  escalatedAt: string | null;
}

export interface Educator {
  id: string;
  username: string;
  displayName: string;
}

/** Events every console (web, Slack) hears, across processes when Redis is used. */
export type HandoffEvent =
  | { kind: 'opened'; handoffId: string }
  | { kind: 'claimed'; handoffId: string; educatorId: string }
  | { kind: 'released'; handoffId: string }
  | { kind: 'closed'; handoffId: string }
  | { kind: 'escalated'; handoffId: string }
  | { kind: 'patient_message'; handoffId: string; messageId: string }
  | { kind: 'educator_message'; handoffId: string; messageId: string };
