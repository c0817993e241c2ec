import type { ConversationKey } from '../core/types.ts';
import type { Educator, Handoff, HandoffPriority, HandoffReason, HandoffStatus } from '../handoff/types.ts';

export interface Feedback {
  id: string;
  conversationId: string;
  handoffId: string | null;
  rating: number;
  comment: string | null;
  createdAt: string;
}

/**
 * Durable hand-off records, feedback and educator accounts (the CRM's staff side). Status changes are
 * conditional updates, so two processes can never both claim or close the same hand-off.
 */
export interface HandoffStore {
  createHandoff(input: {
    conversationId: string;
    reason: HandoffReason;
    priority: HandoffPriority;
    at: Date;
  }): Promise<Handoff>;
  getHandoff(id: string): Promise<Handoff | undefined>;
  /** The open (waiting or claimed) hand-off of a conversation, if any. */
  findOpenHandoff(conversationId: string): Promise<Handoff | undefined>;
  listHandoffs(filter: { status?: HandoffStatus[]; educatorId?: string; limit?: number }): Promise<Handoff[]>;
  /** waiting → claimed by educatorId; false when it was not waiting (someone else won). */
  claimHandoff(id: string, educatorId: string, at: Date): Promise<boolean>;
  /** claimed (by educatorId) → waiting. */
  releaseHandoff(id: string, educatorId: string): Promise<boolean>;
  /** waiting|claimed → closed with an outcome note and tags. */
  closeHandoff(id: string, input: { outcome: string; tags: string[]; at: Date }): Promise<boolean>;
  raisePriority(id: string, priority: HandoffPriority, reason: HandoffReason): Promise<void>;
  /** Sets escalated_at once; false when another process already did (so only one re-announces). */
  markEscalated(id: string, at: Date): Promise<boolean>;
  /** Transfers a claimed hand-off to another educator. */
  transferHandoff(id: string, fromEducatorId: string, toEducatorId: string): Promise<boolean>;

  recordFeedback(input: {
    conversationId: string;
    handoffId: string | null;
    rating: number;
    comment: string | null;
    at: Date;
  }): Promise<Feedback>;
  listFeedback(conversationId: string): Promise<Feedback[]>;

  createEducator(input: { username: string; displayName: string; passwordHash: string; at: Date }): Promise<Educator>;
  setEducatorPassword(username: string, passwordHash: string): Promise<boolean>;
  findEducatorByUsername(username: string): Promise<(Educator & { passwordHash: string; active: boolean }) | undefined>;
  getEducator(id: string): Promise<Educator | undefined>;
  listEducators(): Promise<Educator[]>;
}

export type { ConversationKey };
