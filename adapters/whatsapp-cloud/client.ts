import { AppError } from '../../src/core/errors.ts';
import type { PostJson } from '../../src/shared/http-post.ts';

/**
 * The Cloud API is plain HTTPS + JSON: no SDK, just POSTs against a configurable Graph base URL (tests point
 * it at a local double). Errors are mapped to Sehat's AppError codes so the outbox knows what to retry.
 * @see https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 */

/** Throughput and rate limits: retry later. 4 = app-level API calls; 80007 = WABA limit; 130429 = throughput. */
const THROUGHPUT_CODES = new Set([4, 80007, 130429]);
/** The pair rate limit: too many messages to the same user in a short time. */
export const PAIR_RATE_LIMIT_CODE = 131056;
/** Transient platform trouble: 1/2 = API unknown/service, 131000 = something went wrong, 131016 = overloaded,
 * 133004 = server temporarily unavailable. */
const TRANSIENT_CODES = new Set([1, 2, 131000, 131016, 133004]);
/** Meta's own wording for the permanent codes we see most, for the CRM and the educators. */
export const PERMANENT_TITLES: Record<number, string> = {
  131026: 'Message undeliverable',
  131047: 'Re-engagement message (more than 24 hours since the patient last wrote)',
  131048: 'Spam rate limit hit',
  131049: 'Not delivered to maintain healthy ecosystem engagement',
  131051: 'Unsupported message type',
  131052: 'Media download error',
  131053: 'Media upload error',
  132000: 'Template parameter count mismatch',
  132001: 'Template does not exist',
  133010: 'Phone number not registered',
  190: 'Access token expired or invalid',
};

export interface GraphClientOptions {
  graphUrl: string;
  phoneNumberId: string;
  accessToken: string;
  throughputDelayMs: number;
  pairRateDelayMs: number;
  requestTimeoutMs: number;
  post: PostJson;
}

export interface GraphClient {
  /** POST /<phone number id>/messages; resolves the new message's wamid (or '' for read receipts). */
  postMessage(body: unknown): Promise<string>;
}

interface GraphErrorBody {
  error?: { code?: number; message?: string; error_subcode?: number; error_data?: { details?: string } };
}

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const url = `${options.graphUrl}/${encodeURIComponent(options.phoneNumberId)}/messages`;
  return {
    async postMessage(body) {
      let response: Awaited<ReturnType<PostJson>>;
      try {
        response = await options.post(url, {
          headers: { authorization: `Bearer ${options.accessToken}` },
          body,
          timeoutMs: options.requestTimeoutMs,
        });
      } catch (error) {
        throw new AppError('send_failed', `Graph API unreachable: ${(error as Error).message}`, {
          retryable: true,
          cause: error,
        });
      }
      const json = (response.json ?? {}) as GraphErrorBody & { messages?: { id?: string }[] };
      if (response.status >= 200 && response.status < 300) return json.messages?.[0]?.id ?? '';
      throw graphError(response.status, json, response.header('retry-after'), options);
    },
  };
}

/** Maps a Graph error response to the AppError the outbox understands. */
export function graphError(
  httpStatus: number,
  body: GraphErrorBody,
  retryAfter: string | null,
  delays: { throughputDelayMs: number; pairRateDelayMs: number },
): AppError {
  const code = body.error?.code;
  const detail = body.error?.error_data?.details ?? body.error?.message ?? `HTTP ${httpStatus}`;
  const label = `${code ?? httpStatus}: ${(code !== undefined && PERMANENT_TITLES[code]) || detail}`;
  const headerMs = retryAfter !== null && Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : undefined;
  if (code === PAIR_RATE_LIMIT_CODE)
    return new AppError('rate_limited', label, {
      retryable: true,
      details: { platformCode: code, retryAfterMs: headerMs ?? delays.pairRateDelayMs, scope: 'recipient' },
    });
  if ((code !== undefined && THROUGHPUT_CODES.has(code)) || httpStatus === 429)
    return new AppError('rate_limited', label, {
      retryable: true,
      details: { platformCode: code, retryAfterMs: headerMs ?? delays.throughputDelayMs, scope: 'global' },
    });
  if (httpStatus >= 500 || (code !== undefined && TRANSIENT_CODES.has(code)))
    return new AppError('send_failed', label, { retryable: true, details: { platformCode: code } });
  return new AppError('send_permanent', label, {
    retryable: false,
    details: { platformCode: code ?? httpStatus },
  });
}
