import type { Hono } from 'hono';
import { ASSET_NAME, readWebchatPage, WEBCHAT_PAGES } from './pages.ts';

/** The chat page, the embeddable widget and their assets on Sehat's HTTP server. */
export function registerWebchatPages(app: Hono): void {
  for (const [path, file] of Object.entries(WEBCHAT_PAGES)) {
    app.get(path, (c) => {
      const page = readWebchatPage(file);
      // Clinics embed the widget and the chat page in their own sites: allow cross-origin loading.
      return page
        ? c.body(page.body, 200, { 'content-type': page.type, 'cross-origin-resource-policy': 'cross-origin' })
        : c.notFound();
    });
  }
  const asset = (name: string) => {
    const page = ASSET_NAME.test(name) ? readWebchatPage(name) : undefined;
    return page
      ? new Response(page.body, { headers: { 'content-type': page.type, 'cache-control': 'no-cache' } })
      : undefined;
  };
  app.get('/webchat/:name', (c) => asset(c.req.param('name')) ?? c.notFound());
  // Falls through when there is no such asset, so other one-segment routes (/educator, /metrics) still match.
  app.get('/:name', async (c, next) => {
    const response = asset(c.req.param('name'));
    if (response) return response;
    await next();
  });
}
