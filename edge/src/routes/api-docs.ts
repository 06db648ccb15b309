/** `GET /openapi.json` and `GET /docs`: public, generated from the zod schemas on each call. */
import { Hono } from 'hono';
import { docsPage } from '../api/docs-page.js';
import { openApiDocument } from '../api/openapi-document.js';
import type { EdgeEnv } from '../http/edge-env.js';

function documentFor(c: { req: { url: string }; var: EdgeEnv['Variables'] }): Record<string, unknown> {
  const config = c.var.config;
  return openApiDocument(new URL(c.req.url).origin, config.model, config.maxSlicesPerRequest);
}

export const apiDocsRoutes = new Hono<EdgeEnv>()
  .get('/openapi.json', (c) => c.json(documentFor(c)))
  .get('/docs', (c) => c.html(docsPage(documentFor(c))))
  .get('/', (c) => c.redirect('/docs', 302))
  // Browsers ask for it on every page; an empty answer beats a 404 in their consoles.
  .get('/favicon.ico', (c) => c.body(null, 204));
