import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { signBody } from '../../adapters/whatsapp-cloud/verify.ts';

/**
 * A local double of Meta's Graph API (the WhatsApp Cloud API's send side) on 127.0.0.1. It records every
 * call and answers like Graph does; tests script errors (Graph's error envelope, HTTP 400 / 5xx) for the next
 * message sends. Read receipts and typing indicators are recorded too but never consume scripted answers.
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages
 * @see https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 */
export interface GraphCall {
  path: string;
  authorization: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: recorded JSON, asserted on by shape
  body: any;
  /** The HTTP status the double answered with. */
  status: number;
  /** The wamid the double returned (successful message sends only). */
  wamid?: string;
}

export interface ScriptedAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface GraphDouble {
  /** Base URL to configure as WHATSAPP_GRAPH_URL. */
  url: string;
  calls: GraphCall[];
  /** Message sends that Graph accepted (text, interactive, template…), in order. */
  delivered(to?: string): GraphCall[];
  /** Every attempt at a message send, accepted or not. */
  attempts(): GraphCall[];
  readReceipts(): GraphCall[];
  /** The next message sends get these answers, in order; then Graph succeeds again. */
  script(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

/** Graph's error envelope, as returned with HTTP 400 (or the given status). */
export function graphError(code: number, message: string, status = 400): ScriptedAnswer {
  return {
    status,
    body: {
      error: {
        message: `(#${code}) ${message}`,
        type: 'OAuthException',
        code,
        error_data: { messaging_product: 'whatsapp', details: message },
        fbtrace_id: 'AqCjB2Ws4YkVbxPpVj7Q0bd',
      },
    },
  };
}

export async function startGraphDouble(options: { version?: string } = {}): Promise<GraphDouble> {
  const version = options.version ?? 'v21.0';
  const calls: GraphCall[] = [];
  const scripted: ScriptedAnswer[] = [];
  let counter = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw || '{}');
      } catch {
        // recorded as {}
      }
      const call: GraphCall = { path: req.url ?? '', authorization: req.headers.authorization, body, status: 200 };
      calls.push(call);
      const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        call.status = status;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || !new RegExp(`^/${version}/\\d+/messages$`).test(req.url ?? ''))
        return answer(400, { error: { message: 'Unknown path components', type: 'OAuthException', code: 2500 } });
      if (!req.headers.authorization?.startsWith('Bearer '))
        return answer(401, { error: { message: 'Invalid OAuth access token', type: 'OAuthException', code: 190 } });
      if (body.status === 'read') return answer(200, { success: true });
      const next = scripted.shift();
      if (next) return answer(next.status, next.body, next.headers);
      counter += 1;
      call.wamid = `wamid.HBgNDOUBLE${String(counter).padStart(6, '0')}FQIAERgS`;
      return answer(200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: String(body.to), wa_id: String(body.to) }],
        messages: [{ id: call.wamid, ...(body.type === 'template' && { message_status: 'accepted' }) }],
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sends = () => calls.filter((c) => c.body.status !== 'read');
  return {
    url: `http://127.0.0.1:${port}/${version}`,
    calls,
    delivered: (to) => sends().filter((c) => c.status === 200 && (to === undefined || c.body.to === to)),
    attempts: sends,
    readReceipts: () => calls.filter((c) => c.body.status === 'read'),
    script: (...answers) => scripted.push(...answers),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What the patient sees of a delivered call: its text, or an interactive body with [button] titles. */
// biome-ignore lint/suspicious/noExplicitAny: recorded JSON
export function shownText(call: { body: any }): string {
  const b = call.body;
  if (b.type === 'text') return b.text.body;
  if (b.type === 'template') return `[template ${b.template.name} ${b.template.language.code}]`;
  if (b.type === 'interactive') {
    const action = b.interactive.action;
    const titles = action.buttons
      ? // biome-ignore lint/suspicious/noExplicitAny: recorded JSON
        action.buttons.map((x: any) => `[${x.reply.title}]`)
      : // biome-ignore lint/suspicious/noExplicitAny: recorded JSON
        action.sections.flatMap((s: any) => s.rows.map((r: any) => `[${r.title}]`));
    return `${b.interactive.body.text}\n${titles.join(' ')}`;
  }
  return JSON.stringify(b);
}

// --- Meta's side of the webhook: fixtures shaped like the documented payloads, signed like Meta signs. ---

const FIXTURES = join('tests', 'fixtures', 'whatsapp');

/** A webhook fixture (tests/fixtures/whatsapp/<name>.json) with its message/status timestamps and ids set. */
export function webhookFixture(
  name: string,
  overrides: { at?: Date; id?: string; from?: string; text?: string; statusId?: string } = {},
  // biome-ignore lint/suspicious/noExplicitAny: fixture JSON
): any {
  const payload = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
  for (const entry of payload.entry)
    for (const change of entry.changes) {
      const value = change.value;
      for (const message of value.messages ?? []) {
        if (overrides.at) message.timestamp = String(Math.floor(overrides.at.getTime() / 1000));
        if (overrides.id) message.id = overrides.id;
        if (overrides.from) {
          message.from = overrides.from;
          for (const contact of value.contacts ?? []) contact.wa_id = overrides.from;
        }
        if (overrides.text !== undefined && message.text) message.text.body = overrides.text;
      }
      for (const status of value.statuses ?? []) {
        if (overrides.at) status.timestamp = String(Math.floor(overrides.at.getTime() / 1000));
        if (overrides.statusId) status.id = overrides.statusId;
        if (overrides.from) status.recipient_id = overrides.from;
      }
    }
  return payload;
}

/** POSTs a payload to the webhook the way Meta does: raw JSON body, X-Hub-Signature-256 over it. */
export function postWebhook(
  url: string,
  payload: unknown,
  appSecret: string,
  options: { signature?: string | null } = {},
): Promise<Response> {
  const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signature = options.signature === undefined ? signBody(raw, appSecret) : options.signature;
  return fetch(`${url}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature !== null && { 'x-hub-signature-256': signature }) },
    body: raw,
  });
}
