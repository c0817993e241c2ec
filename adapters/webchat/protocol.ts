import { z } from 'zod';
import type { OutboundPart } from '../../src/core/types.ts';

/**
 * The web chat's WebSocket protocol: JSON text frames, one object each, discriminated by `type`.
 *
 * client → server
 *   { type: 'hello', session?: string, lang?: string }    first frame; session from localStorage restores history
 *   { type: 'message', id: string, text: string }         id: client-generated, unique per message (dedupe key)
 *   { type: 'choice', id: string, choiceId: string, label?: string }   a button press
 *   { type: 'ping' }
 * server → client
 *   { type: 'welcome', session: string, history: HistoryItem[] }
 *   { type: 'echo', id, text, at }                        the patient's message, shown in the session's other tabs
 *   { type: 'ack', id }                                   the message is stored; safe to forget locally
 *   { type: 'typing', on: boolean }
 *   { type: 'message', id, sender: { kind: 'bot' | 'educator', name? }, parts: OutboundPart[], at }
 *   { type: 'error', code: ErrorCode, message: string, id? }   the connection stays open
 *   { type: 'pong' }
 */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), session: z.string().max(64).optional(), lang: z.string().max(8).optional() }),
  z.object({ type: z.literal('message'), id: z.string().min(1).max(100), text: z.string() }),
  z.object({
    type: z.literal('choice'),
    id: z.string().min(1).max(100),
    choiceId: z.string().min(1).max(200),
    label: z.string().max(200).optional(),
  }),
  z.object({ type: z.literal('ping') }),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;

export type ErrorCode =
  | 'invalid_json'
  | 'unknown_type'
  | 'bad_frame'
  | 'empty_text'
  | 'too_long'
  | 'hello_first'
  | 'unavailable'
  | 'rate_limited';

export interface HistoryItem {
  id: string;
  /** Inbound: the id the browser gave the message (so it can match its unsent outbox after a reconnect). */
  clientId?: string;
  direction: 'in' | 'out';
  sender: { kind: 'patient' | 'bot' | 'educator' | 'system'; name?: string };
  /** Inbound: the patient's text. Outbound: the parts as sent. */
  text?: string;
  parts?: OutboundPart[];
  at: string;
}

export type ServerFrame =
  | { type: 'welcome'; session: string; history: HistoryItem[] }
  /** The patient's own message, echoed to the session's other open tabs. */
  | { type: 'echo'; id: string; text: string; at: string }
  | { type: 'ack'; id: string }
  | { type: 'typing'; on: boolean }
  | {
      type: 'message';
      id: string;
      sender: { kind: 'bot' | 'educator'; name?: string };
      parts: OutboundPart[];
      at: string;
    }
  | { type: 'error'; code: ErrorCode; message: string; id?: string }
  | { type: 'pong' };

const KNOWN_TYPES = new Set(['hello', 'message', 'choice', 'ping']);

/** Pure: raw frame text → a valid frame or the error frame to answer with. Never throws. */
export function parseClientFrame(
  raw: string,
  maxTextLength: number,
): { frame: ClientFrame } | { error: Extract<ServerFrame, { type: 'error' }> } {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { error: { type: 'error', code: 'invalid_json', message: 'The frame is not valid JSON.' } };
  }
  const type = (data as { type?: unknown } | null)?.type;
  const id =
    typeof (data as { id?: unknown } | null)?.id === 'string'
      ? String((data as { id: string }).id).slice(0, 100)
      : undefined;
  if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) {
    return {
      error: {
        type: 'error',
        code: 'unknown_type',
        message: `Unknown frame type ${JSON.stringify(type ?? null).slice(0, 40)}.`,
        id,
      },
    };
  }
  const parsed = clientFrameSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      error: {
        type: 'error',
        code: 'bad_frame',
        message: `Invalid ${type} frame: ${issue?.path.join('.')} ${issue?.message}`,
        id,
      },
    };
  }
  const frame = parsed.data;
  if (frame.type === 'message') {
    if (!frame.text.trim())
      return { error: { type: 'error', code: 'empty_text', message: 'The message is empty.', id } };
    if (frame.text.length > maxTextLength) {
      return {
        error: {
          type: 'error',
          code: 'too_long',
          message: `The message is too long (at most ${maxTextLength} characters).`,
          id,
        },
      };
    }
  }
  return { frame };
}
