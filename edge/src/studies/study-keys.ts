/**
 * Names of a study's things: random ids, its Durable Object's name, and its R2 keys. Every key of
 * a study sits under one per-tenant prefix, so DELETE and expiry remove it all with one listing.
 */
import { sha256Hex } from '../cache/sha256-hex.js';

/** 128 random bits, base32 (lowercase, no padding): unguessable, URL-safe, case-insensitive. */
export function newStudyId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = 'st_';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** What an id from newStudyId looks like; anything else is a 404 without touching storage. */
export const STUDY_ID_PATTERN = /^st_[a-z2-7]{26}$/;

/** The Durable Object name: tenant and id, so ids never cross tenants. */
export const studyObjectName = (tenant: string, id: string): string => `${tenant}/${id}`;

export const studyPrefix = (tenant: string, id: string): string => `studies/${tenant}/${id}/`;
/** An uploaded instance, by the SHA-256 of its bytes (identical bytes are stored once). */
export const instanceKey = (tenant: string, id: string, sha256: string): string => `${studyPrefix(tenant, id)}in/${sha256}`;
/** A processed slice's mask PNG, by the SHA-256 of its SOP Instance UID (UIDs may hold characters keys should not). */
export async function maskKey(tenant: string, id: string, sopInstanceUID: string): Promise<string> {
  return `${studyPrefix(tenant, id)}mask/${await sha256Hex(sopInstanceUID)}.png`;
}

/** A processed slice's label-map PNG (`lung` or `lung+infection`, render-slice-result.ts), beside its mask. */
export async function labelMapKey(tenant: string, id: string, sopInstanceUID: string, labels: 'lung' | 'lung+infection'): Promise<string> {
  return `${studyPrefix(tenant, id)}mask/${await sha256Hex(sopInstanceUID)}.${labels === 'lung' ? 'lung' : 'lung-infection'}.png`;
}

/** Lists and deletes every object under `prefix` (R2 lists 1000 at a time). */
export async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
    if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}
