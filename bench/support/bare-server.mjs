/**
 * The baseline of the end-to-end benchmarks: the physical limit of this machine and runtime for the same
 * requests. A bare node:http handler that reads the same webhook body, parses it and answers 200.
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 0);
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (c) => chunks.push(c));
  request.on('end', () => {
    try {
      if (chunks.length) JSON.parse(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('ok');
    } catch {
      response.writeHead(400);
      response.end('bad json');
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  process.send?.({ ready: true });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
