/**
 * `POST /v1/tokens`: an API key (scope `tokens:create`) mints an upload token for a browser.
 * Mount at `/v1/tokens` behind `authenticate()`: this sub-app reads `c.var.principal` and does
 * not authenticate by itself (a request without a principal is refused as 401).
 */
import { Hono } from 'hono';
import { mediaType } from '../../../shared/media-type.js';
import { issueField } from '../../../shared/zod-issue.js';
import type { EdgeEnv, Principal } from '../http/edge-env.js';
import { EdgeError } from '../http/edge-error.js';
import { assertScope } from './authenticate.js';
import { insufficientScope } from './bearer-errors.js';
import { mintUploadToken } from './upload-token.js';
import { TokenRequest } from './upload-token-schemas.js';

/** The request body: empty means all defaults; anything else must be JSON. */
async function readTokenRequest(req: Request): Promise<TokenRequest> {
  const text = await req.text();
  let body: unknown = {};
  if (text.trim() !== '') {
    if (mediaType(req.headers.get('Content-Type')) !== 'application/json') {
      throw new EdgeError(415, 'unsupported_media_type', 'POST /v1/tokens takes an application/json body', {
        field: 'Content-Type',
      });
    }
    try {
      body = JSON.parse(text);
    } catch {
      throw new EdgeError(400, 'invalid_request', 'request body is not valid JSON');
    }
  }
  const parsed = TokenRequest.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issueField(issue);
  throw new EdgeError(400, 'invalid_request', `${field || 'body'}: ${issue.message}`, { field: field || undefined });
}

/**
 * The tokens sub-app. 201 with a TokenResponse; 403 `insufficient_scope` for upload tokens and
 * keys without `tokens:create`; 400 `invalid_request` (field = the offending body field); 415.
 *
 * @example
 * app.use('/v1/*', authenticate());
 * app.route('/v1/tokens', tokensRoute);
 */
export const tokensRoute = new Hono<EdgeEnv>().post('/', async (c) => {
  const principal = c.get('principal') as Principal | undefined;
  if (principal?.kind === 'upload_token') {
    throw insufficientScope('tokens:create', 'upload tokens cannot mint upload tokens; use an API key');
  }
  assertScope(principal, 'tokens:create');
  const request = await readTokenRequest(c.req.raw);
  const answer = await mintUploadToken(c.var.config.tokenSigningSecret, principal, request);
  // A credential in a response must not sit in any cache (RFC 6749 §5.1 asks the same of OAuth).
  return c.json(answer, 201, { 'Cache-Control': 'no-store' });
});
