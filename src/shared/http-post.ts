import http from 'node:http';
import https from 'node:https';

/** A JSON POST's outcome: the status, a header lookup and the parsed body ({} when it is not JSON). */
export interface JsonResponse {
  status: number;
  header(name: string): string | null;
  json: unknown;
}

/** Sends a JSON body and reads a JSON answer: the one shape of call our platform clients make. */
export type PostJson = (
  url: string,
  options: { headers: Record<string, string>; body: unknown; timeoutMs: number },
) => Promise<JsonResponse>;

// Kept-alive connections: a reply is a few hundred bytes, so a new TCP/TLS handshake per send would
// cost more than the send itself.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/**
 * POST over node:http(s). The global fetch builds WHATWG Request/Response objects and streams for every
 * call, which cost a busy server more CPU than everything else a reply needs; this does the same job with
 * plain sockets.
 */
export const postJson: PostJson = (url, { headers, body, timeoutMs }) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    const agent = target.protocol === 'https:' ? agents['https:'] : agents['http:'];
    const payload = Buffer.from(JSON.stringify(body));
    const request = transport.request(
      target,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          let json: unknown = {};
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // not JSON: the status says what happened
          }
          resolve({
            status: response.statusCode ?? 0,
            header: (name) => {
              const value = response.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value;
            },
            json,
          });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(payload);
  });

/** The same call through a fetch implementation (for callers that inject one, e.g. an in-process double). */
export function postJsonWithFetch(fetchImpl: typeof fetch): PostJson {
  return async (url, { headers, body, timeoutMs }) => {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = await response.json().catch(() => ({}));
    return { status: response.status, header: (name) => response.headers.get(name), json };
  };
}
