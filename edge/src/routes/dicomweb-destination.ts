/**
 * The tenant's DICOMweb destination, where completed studies' DICOM SEG and SR are sent
 * (STOW-RS, from the study's Durable Object): PUT sets or replaces it, GET shows it without the
 * password or token, DELETE removes it (exports still pending then stop at their next attempt).
 * Authentication, the `tenant:admin` scope, rate limits and the body limit run before these.
 * Nothing here contacts the destination: a PUT that probed URLs would let a caller map what the
 * edge can reach.
 */
import { Hono } from 'hono';
import { mediaType } from '../../../shared/media-type.js';
import { describeIssues, issueField } from '../../../shared/zod-issue.js';
import { cipherFor } from '../dicomweb/credential-cipher.js';
import { PutDestinationBody } from '../dicomweb/destination-schemas.js';
import { deleteDestination, describeDestination, putDestination } from '../dicomweb/destination-store.js';
import { checkDestinationUrl } from '../dicomweb/destination-url-policy.js';
import type { EdgeEnv } from '../http/edge-env.js';
import { EdgeError } from '../http/edge-error.js';

const notFound = (): EdgeError => new EdgeError(404, 'destination_not_found', 'this tenant has no DICOMweb destination (PUT /v1/dicomweb-destination sets one)');

/** The body as a PutDestinationBody, or a 400/415 naming the field; messages never quote a value. */
async function readBody(req: Request): Promise<PutDestinationBody> {
  if (mediaType(req.headers.get('content-type')) !== 'application/json') {
    throw new EdgeError(415, 'unsupported_media_type', 'PUT /v1/dicomweb-destination takes an application/json body', { field: 'Content-Type' });
  }
  let json: unknown;
  try {
    json = JSON.parse(await req.text());
  } catch {
    throw new EdgeError(400, 'invalid_json', 'the body is not JSON', { field: 'body' });
  }
  const parsed = PutDestinationBody.safeParse(json);
  if (!parsed.success) throw new EdgeError(400, 'invalid_parameter', describeIssues(parsed.error), { field: issueField(parsed.error.issues[0]!) || 'body' });
  return parsed.data;
}

export const dicomwebDestinationRoute = new Hono<EdgeEnv>()
  .put('/', async (c) => {
    const body = await readBody(c.req.raw);
    const allowed = checkDestinationUrl(body.url, { development: c.var.config.development });
    if (!allowed.ok) throw new EdgeError(400, 'invalid_parameter', `url: ${allowed.reason}`, { field: 'url' });
    const cipher = await cipherFor(c.var.config.destinationEncryptionKey);
    // Stored as URL parsing spells it, so GET shows what deliveries will use.
    const { view, created } = await putDestination(c.env.DB, cipher, c.var.principal.tenant, { ...body, url: allowed.url.href });
    return c.json(view, created ? 201 : 200);
  })

  .get('/', async (c) => {
    const view = await describeDestination(c.env.DB, c.var.principal.tenant);
    if (!view) throw notFound();
    return c.json(view);
  })

  .delete('/', async (c) => {
    if (!(await deleteDestination(c.env.DB, c.var.principal.tenant))) throw notFound();
    return c.body(null, 204);
  });
