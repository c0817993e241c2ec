import type { Request as SdkRequest, Response as SdkResponse } from 'botbuilder';

/**
 * CloudAdapter.process speaks Express/Restify-like objects ({ body, headers, method } and
 * { status(), header(), send(), end() }); Sehat's webhook contract is web-standard Request → Response.
 * The body is parsed before (process requires an object) and the response collected, then returned.
 */
export function toSdkRequest(request: Request, body: Record<string, unknown>): SdkRequest {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { body, headers, method: request.method };
}

export interface CollectedResponse extends SdkResponse {
  statusCode(): number;
  toResponse(): Response;
}

export function collectSdkResponse(): CollectedResponse {
  let status = 200;
  let body: unknown;
  const headers = new Headers();
  const response: CollectedResponse = {
    socket: null,
    status(code: unknown) {
      if (typeof code === 'number') status = code;
      return response;
    },
    header(name: string, value: unknown) {
      headers.set(name, String(value));
      return response;
    },
    send(payload: unknown) {
      body = payload;
      return response;
    },
    end() {
      return response;
    },
    statusCode: () => status,
    toResponse() {
      if (body === undefined || body === null || status === 204) return new Response(null, { status, headers });
      if (typeof body === 'string') {
        if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8');
        return new Response(body, { status, headers });
      }
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      return new Response(JSON.stringify(body), { status, headers });
    },
  };
  return response;
}
