/**
 * HMAC-SHA256 request signing between the edge and the GPU workers (Web Crypto: runs in workerd
 * and Node). The signature covers a version tag, the timestamp, method, request target (path and
 * query) and the exact body bytes, so a captured signature cannot be replayed on another
 * endpoint, with another query or with another body, and the timestamp bounds replays of the
 * same call to the allowed clock skew.
 */

export const SIGNATURE_HEADER = 'x-bsnet-signature';
export const TIMESTAMP_HEADER = 'x-bsnet-timestamp';
const SCHEME = 'v1';

/**
 * The request target as RFC 9112 §3.2.1 calls it (origin-form): the path and its query exactly
 * as sent, `pathname + search` of the URL (`/v1/infer`, `/v1/infer?x=1`), never the host.
 */
interface RequestTarget {
  target: string;
}

export type SignedRequestParts = RequestTarget & {
  method: string;
  body: Uint8Array;
  /** Unix time in milliseconds. */
  timestamp: number;
};

const encoder = new TextEncoder();

// The CryptoKey type comes from the runtime (Node or workerd), so derive it instead of naming a global.
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

async function importKey(secret: string): Promise<HmacKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/**
 * The target as it goes into the signed bytes. A query may hold `:`, the separator before the
 * body, so `:` (and `%`, to keep the mapping one-to-one) are percent-encoded: otherwise
 * (`?a=1`, `:X…`) and (`?a=1:X`, `…`) would sign the same bytes. A target with neither, such as
 * the edge's `/v1/infer`, is signed exactly as before.
 */
function signedTarget(target: string): string {
  return target.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

function signedBytes(parts: SignedRequestParts): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${SCHEME}:${parts.timestamp}:${parts.method.toUpperCase()}:${signedTarget(parts.target)}:`);
  const out = new Uint8Array(prefix.length + parts.body.length);
  out.set(prefix, 0);
  out.set(parts.body, prefix.length);
  return out;
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * Returns the headers to attach to a signed request; `target` must be the path and query the
 * request is sent to.
 *
 * @example
 * const headers = await signRequest(secret, { method: 'POST', target: INFER_PATH, body, timestamp: Date.now() });
 */
export async function signRequest(secret: string, parts: SignedRequestParts): Promise<Record<string, string>> {
  const key = await importKey(secret);
  const mac = await crypto.subtle.sign('HMAC', key, signedBytes(parts));
  return { [SIGNATURE_HEADER]: `${SCHEME}=${toHex(mac)}`, [TIMESTAMP_HEADER]: String(parts.timestamp) };
}

export type SignatureFailure = 'signature_missing' | 'signature_malformed' | 'signature_stale' | 'signature_mismatch';

export type VerifyOptions = RequestTarget & {
  secret: string;
  method: string;
  body: Uint8Array;
  signature: string | undefined;
  timestamp: string | undefined;
  now: number;
  maxSkewMs: number;
};

/**
 * Checks a request's signature against the target it arrived at (its URL's pathname + search).
 * Returns undefined when valid, else why not. The comparison is crypto.subtle.verify, which is
 * constant-time.
 */
export async function verifyRequest(o: VerifyOptions): Promise<SignatureFailure | undefined> {
  if (!o.signature || !o.timestamp) return 'signature_missing';
  const [scheme, hex] = o.signature.split('=', 2);
  const mac = hex === undefined ? undefined : fromHex(hex);
  if (scheme !== SCHEME || !mac || !/^\d{1,16}$/.test(o.timestamp)) return 'signature_malformed';
  const timestamp = Number(o.timestamp);
  if (Math.abs(o.now - timestamp) > o.maxSkewMs) return 'signature_stale';
  const key = await importKey(o.secret);
  const ok = await crypto.subtle.verify('HMAC', key, mac, signedBytes({ method: o.method, target: o.target, body: o.body, timestamp }));
  return ok ? undefined : 'signature_mismatch';
}
