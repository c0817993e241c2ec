import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../../../src/shared/http-post.ts';

let server: Server;
let url: string;
const seen: { headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      if (req.url === '/ok') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"messages":[{"id":"wamid.1"}]}');
      } else if (req.url === '/limited') {
        res.writeHead(429, { 'retry-after': '2' });
        res.end('slow down'); // not JSON
      }
      // '/hang': never answers
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('postJson', () => {
  it('sends the body as JSON with the caller’s headers and reads the JSON answer', async () => {
    const response = await postJson(`${url}/ok`, {
      headers: { authorization: 'Bearer t' },
      body: { to: '62812', text: 'halo' },
      timeoutMs: 2000,
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ messages: [{ id: 'wamid.1' }] });
    expect(seen.at(-1)?.headers).toMatchObject({ authorization: 'Bearer t', 'content-type': 'application/json' });
    expect(JSON.parse(seen.at(-1)?.body ?? '')).toEqual({ to: '62812', text: 'halo' });
  });

  it('gives the status and headers of an error answer whose body is not JSON', async () => {
    const response = await postJson(`${url}/limited`, { headers: {}, body: {}, timeoutMs: 2000 });
    expect(response.status).toBe(429);
    expect(response.header('Retry-After')).toBe('2');
    expect(response.header('x-missing')).toBeNull();
    expect(response.json).toEqual({});
  });

  it('gives up on a server that never answers within the timeout', async () => {
    // Without the timeout this would wait forever (the test's own 5 s limit would fail it).
    await expect(postJson(`${url}/hang`, { headers: {}, body: {}, timeoutMs: 300 })).rejects.toThrow();
  });

  it('rejects when nothing listens', async () => {
    await expect(postJson('http://127.0.0.1:1/x', { headers: {}, body: {}, timeoutMs: 1000 })).rejects.toThrow();
  });
});
