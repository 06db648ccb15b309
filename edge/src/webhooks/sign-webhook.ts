/**
 * Webhook signatures the Standard Webhooks way (https://www.standardwebhooks.com): a study's
 * `callbackUrl` gets `webhook-id`, `webhook-timestamp` (unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`, where the key is the
 * base64-decoded part of a `whsec_…` secret. Any Standard Webhooks library verifies them.
 * Web APIs only (crypto.subtle, atob/btoa), so the Worker and Node tests share it.
 */
import { hashesEqual } from '../auth/api-key.js';

/** Every secret we hand out starts with this, as the spec's libraries expect. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** Random bytes in a new secret: 32 (256 bits, the HMAC-SHA256 block-size sweet spot). */
const SECRET_BYTES = 32;

/** The spec: secrets SHOULD be 24 to 64 bytes (192 to 512 bits). */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/** The spec's default tolerance for `webhook-timestamp`, against replay: five minutes. */
export const DEFAULT_TOLERANCE_S = 300;

/** Standard base64 with padding (RFC 4648 §4), the alphabet of secrets and signatures. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Unix seconds as the header carries them: digits only (no sign, exponent or fraction). */
const TIMESTAMP = /^[0-9]{1,15}$/;

function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * The HMAC key of a secret: the base64 after `whsec_` (the prefix is optional, as in the
 * reference libraries). Throws a TypeError naming `secret` for anything else, or a key outside
 * 24-64 bytes: a bad secret is a configuration error, not a bad signature.
 */
function secretKeyBytes(secret: string): Uint8Array {
  const text = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (text.length === 0 || !BASE64.test(text)) {
    throw new TypeError('secret: must be whsec_ followed by standard base64 (with padding)');
  }
  const bytes = Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  if (bytes.length < MIN_SECRET_BYTES || bytes.length > MAX_SECRET_BYTES) {
    throw new TypeError(`secret: must decode to ${MIN_SECRET_BYTES}-${MAX_SECRET_BYTES} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** The base64 HMAC-SHA256 of `${id}.${timestampS}.${body}` (UTF-8) under the secret's key. */
async function signatureOf(secret: string, id: string, timestampS: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', secretKeyBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestampS}.${body}`));
  return encodeBase64(new Uint8Array(mac));
}

/**
 * A new signing secret: `whsec_` and 32 random bytes in standard base64 (50 chars).
 *
 * @example
 * newWebhookSecret() // 'whsec_3q2+7w…='
 */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + encodeBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/**
 * The `webhook-signature` header value for one delivery: `v1,<base64>`. `id` is the event's
 * `webhook-id` (the same on every retry, so receivers can de-duplicate), `timestampS` the
 * `webhook-timestamp` sent with it (unix seconds, fresh per attempt), `body` the exact bytes
 * sent. Throws a TypeError naming the argument for a bad secret, id or timestamp.
 *
 * @example
 * const timestampS = Math.floor(Date.now() / 1000);
 * const headers = {
 *   'webhook-id': eventId,
 *   'webhook-timestamp': String(timestampS),
 *   'webhook-signature': await signWebhook(secret, eventId, timestampS, body),
 * };
 */
export async function signWebhook(secret: string, id: string, timestampS: number, body: string): Promise<string> {
  if (id.length === 0 || /\s/.test(id)) throw new TypeError('id: must be non-empty, without whitespace');
  if (!Number.isSafeInteger(timestampS) || timestampS < 0) {
    throw new TypeError(`timestampS: must be whole unix seconds, got ${timestampS}`);
  }
  return `v1,${await signatureOf(secret, id, timestampS, body)}`;
}

/**
 * Whether `headers` carry a valid signature of `body` under `secret`: all three headers present,
 * `webhook-timestamp` within `toleranceS` of `nowS` (either side, against replays and clock
 * skew), and at least one `v1,` entry of the space-separated `webhook-signature` matching
 * (compared in constant time; other versions are skipped, as the spec says, so a sender can
 * rotate secrets or schemes by sending several). Throws only for a malformed `secret`.
 *
 * @example
 * if (!(await verifyWebhook(secret, request.headers, await request.text()))) return new Response(null, { status: 401 });
 */
export async function verifyWebhook(
  secret: string,
  headers: Headers,
  body: string,
  toleranceS: number = DEFAULT_TOLERANCE_S,
  nowS: number = Math.floor(Date.now() / 1000),
): Promise<boolean> {
  secretKeyBytes(secret); // a bad secret throws whatever the headers say: it is config, not input
  const id = headers.get('webhook-id');
  const timestamp = headers.get('webhook-timestamp');
  const signatures = headers.get('webhook-signature');
  if (!id || !timestamp || !signatures || !TIMESTAMP.test(timestamp)) return false;
  const timestampS = Number(timestamp);
  if (Math.abs(nowS - timestampS) > toleranceS) return false;
  const expected = await signatureOf(secret, id, timestampS, body);
  let matched = false;
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    // No early exit: every v1 entry costs the same, whichever one matches.
    matched = hashesEqual(entry.slice(comma + 1), expected) || matched;
  }
  return matched;
}
