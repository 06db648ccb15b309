/**
 * Assembles the public edge app: request context first, then per-route authentication, scope,
 * rate limit and body limit, then the handlers. Errors from anywhere become problem+json.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { MiddlewareHandler } from 'hono';
import { authenticate, requireScope } from './auth/authenticate.js';
import { tokensRoute } from './auth/tokens-route.js';
import type { EdgeEnv } from './http/edge-env.js';
import { EdgeError } from './http/edge-error.js';
import { handleError, handleNotFound } from './http/problem-response.js';
import { requestContext } from './http/request-context.js';
import { rateLimit } from './quota/rate-limit.js';
import { apiDocsRoutes } from './routes/api-docs.js';
import { dicomwebDestinationRoute } from './routes/dicomweb-destination.js';
import { healthRoute } from './routes/health.js';
import { postSegmentRoute } from './routes/post-segment.js';
import { studiesRoute } from './routes/studies.js';
import { studyDicomRoute } from './routes/study-dicom.js';

/** Hono's body limit with the configured size; streams are cut off as soon as they pass it. */
function limitBody(): MiddlewareHandler<EdgeEnv> {
  return (c, next) =>
    bodyLimit({
      maxSize: c.var.config.maxBodyBytes,
      onError: () => {
        throw new EdgeError(413, 'body_too_large', `request body exceeds ${c.var.config.maxBodyBytes} bytes`, { field: 'body' });
      },
    })(c, next);
}

export function createApp(): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();
  app.use('*', requestContext());
  app.onError(handleError);
  app.notFound(handleNotFound);

  app.route('/', apiDocsRoutes);
  app.route('/v1/health', healthRoute);

  app.use('/v1/segment', authenticate(), requireScope('segment'), rateLimit(), limitBody());
  app.route('/v1/segment', postSegmentRoute);

  // Studies take the segment scope: filling one is segmenting, in several calls.
  app.use('/v1/studies', authenticate(), requireScope('segment'), rateLimit(), limitBody());
  app.use('/v1/studies/*', authenticate(), requireScope('segment'), rateLimit(), limitBody());
  app.route('/v1/studies', studiesRoute);
  app.route('/v1/studies', studyDicomRoute);

  app.use('/v1/tokens', authenticate(), rateLimit(), limitBody());
  app.route('/v1/tokens', tokensRoute);

  // Where results go, with the PACS credentials: an admin's setting, not a segmenting key's.
  app.use('/v1/dicomweb-destination', authenticate(), requireScope('tenant:admin'), rateLimit(), limitBody());
  app.route('/v1/dicomweb-destination', dicomwebDestinationRoute);
  return app;
}
