/**
 * Idempotency-Key for POST /v1/studies (the IETF httpapi draft's semantics): the first request
 * with a key claims it for its study; a repeat with the same body gets that study back, a repeat
 * with another body is a 409. The claim is one INSERT OR IGNORE, so two racing requests agree.
 */
import { EdgeError } from '../http/edge-error.js';

/** Keys are the caller's strings: printable ASCII, bounded. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** A claim outlives any study it can name (the longest receiving TTL plus the longest results retention config allows). */
const CLAIM_TTL_MS = (7 * 24 + 90 * 24) * 3_600_000;

export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY_PATTERN.test(header)) {
    throw new EdgeError(400, 'invalid_parameter', 'Idempotency-Key must be 1 to 255 printable ASCII characters', { field: 'idempotency-key' });
  }
  return header;
}

/**
 * Claims `key` for `studyId`; returns the study id that holds the key (this one, or an earlier
 * request's). Throws 409 when the earlier request had another body.
 */
export async function claimIdempotencyKey(db: D1Database, c: { tenant: string; key: string; studyId: string; bodySha256: string; now: number }): Promise<string> {
  await db.prepare('DELETE FROM study_idempotency WHERE tenant = ? AND key = ? AND created_at < ?').bind(c.tenant, c.key, c.now - CLAIM_TTL_MS).run();
  await db
    .prepare('INSERT OR IGNORE INTO study_idempotency (tenant, key, study_id, body_sha256, created_at) VALUES (?, ?, ?, ?, ?)')
    .bind(c.tenant, c.key, c.studyId, c.bodySha256, c.now)
    .run();
  const row = await db.prepare('SELECT study_id, body_sha256 FROM study_idempotency WHERE tenant = ? AND key = ?').bind(c.tenant, c.key).first<{ study_id: string; body_sha256: string }>();
  if (!row) throw new Error('idempotency claim vanished');
  if (row.body_sha256 !== c.bodySha256) {
    throw new EdgeError(409, 'idempotency_key_reused', 'this Idempotency-Key was used with another request body; use a new key for a new study', { field: 'idempotency-key' });
  }
  return row.study_id;
}
