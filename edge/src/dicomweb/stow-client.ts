/**
 * A STOW-RS client (PS3.18 §10.5): POSTs DICOM Part 10 instances as one multipart/related
 * request to `{base}/studies/{StudyInstanceUID}` and says what became of each, as a typed
 * outcome. Bounded in time, redirects not followed (a redirect could point where the URL policy
 * refuses, and would carry the Authorization header with it), and nothing it returns or throws
 * holds the URL's path, a credential or the destination's body text: only statuses, counts,
 * UIDs and Failure Reasons, which end up in the study's record.
 */
import { concatBytes } from '../../../shared/concat-bytes.js';
import { bytesToBase64 } from '../imaging/base64.js';
import type { DestinationAuth } from './destination-schemas.js';
import { parseStowResponse, type FailedInstance } from './read-stow-response.js';

export interface StowInstance {
  sopInstanceUID: string;
  /** A DICOM Part 10 file. */
  bytes: Uint8Array;
}

export interface StowRequest {
  /** The DICOMweb base, without a trailing slash. */
  base: string;
  /** Every instance's, named in the path (PS3.18 §10.5.1); without it the POST goes to `{base}/studies`. */
  studyInstanceUID?: string;
  auth: DestinationAuth;
  instances: StowInstance[];
  timeoutMs: number;
}

/**
 * What the destination did. `stored`: a 2xx (200 all stored, 202 some failed, listed); the
 * instances not failed count as accepted. `conflict`: 409, none stored (PS3.18 §10.5.3), with the
 * failures it lists. `refused`: any other status. `unreachable`: no answer (network, timeout).
 */
export type StowOutcome =
  | { kind: 'stored'; httpStatus: number; accepted: string[]; failed: FailedInstance[] }
  | { kind: 'conflict'; httpStatus: 409; failed: FailedInstance[] }
  | { kind: 'refused'; httpStatus: number; error: string }
  | { kind: 'unreachable'; error: string };

/** A response body larger than this is not read: a STOW answer lists UIDs, a few KB. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

function authorization(auth: DestinationAuth): string | undefined {
  if (auth.type === 'none') return undefined;
  if (auth.type === 'bearer') return `Bearer ${auth.token}`;
  // RFC 7617 §2.1: user-id ":" password, UTF-8, base64.
  return `Basic ${bytesToBase64(new TextEncoder().encode(`${auth.username}:${auth.password}`))}`;
}

/** The multipart/related body (RFC 2387): one application/dicom part per instance. */
export function stowBody(instances: StowInstance[], boundary: string): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder();
  const parts = instances.flatMap((i) => [enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), i.bytes, enc.encode('\r\n')]);
  return concatBytes([...parts, enc.encode(`--${boundary}--\r\n`)]) as Uint8Array<ArrayBuffer>;
}

/**
 * The body as text, or undefined past the size bound or when it cannot be read: the status has
 * already said what happened, the body only adds which instances failed, so losing it must not
 * turn a stored answer into a network error (regression: workerd failed to gunzip Orthanc's
 * compressed answer after Orthanc had stored everything, and the export was retried as unreachable).
 */
async function readBounded(res: Response): Promise<string | undefined> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_RESPONSE_BYTES) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
  } catch {
    return undefined;
  }
  return new TextDecoder().decode(concatBytes(chunks));
}

const timedOut = (err: unknown): boolean => err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');

/**
 * Sends the instances; never throws for what the destination or the network does.
 *
 * @example
 * const outcome = await storeInstances({ base: 'https://pacs.example/dicom-web', studyInstanceUID, auth, instances, timeoutMs: 60_000 });
 * if (outcome.kind === 'stored' && outcome.failed.length === 0) // all delivered
 */
export async function storeInstances(r: StowRequest): Promise<StowOutcome> {
  const boundary = `bsnet-${crypto.randomUUID()}`;
  const headers: Record<string, string> = {
    'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
    accept: 'application/dicom+json',
    // The answer is a few KB of UIDs; uncompressed, it cannot fail to decode (see readBounded).
    'accept-encoding': 'identity',
    'user-agent': 'bsnet-dicomweb/1',
  };
  const auth = authorization(r.auth);
  if (auth) headers['authorization'] = auth;
  const sent = r.instances.map((i) => i.sopInstanceUID);
  try {
    const path = r.studyInstanceUID === undefined ? '/studies' : `/studies/${encodeURIComponent(r.studyInstanceUID)}`;
    const res = await fetch(r.base + path, {
      method: 'POST',
      body: stowBody(r.instances, boundary),
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(r.timeoutMs),
    });
    if ((res.status >= 200 && res.status < 300) || res.status === 409) {
      const text = await readBounded(res);
      const named = parseStowResponse(text ?? '').failed.filter((f) => sent.includes(f.sopInstanceUID));
      if (res.status === 409) {
        // None stored; a 409 that names no failure leaves every instance failed without a reason.
        const failed = named.length > 0 ? named : sent.map((sopInstanceUID) => ({ sopInstanceUID }));
        return { kind: 'conflict', httpStatus: 409, failed };
      }
      const failedUIDs = new Set(named.map((f) => f.sopInstanceUID));
      return { kind: 'stored', httpStatus: res.status, accepted: sent.filter((uid) => !failedUIDs.has(uid)), failed: named };
    }
    await res.body?.cancel();
    const error = res.status >= 300 && res.status < 400 ? `the destination redirected (${res.status}; redirects are not followed)` : `the destination answered ${res.status}`;
    return { kind: 'refused', httpStatus: res.status, error };
  } catch (err) {
    // Only the kind of failure: a fetch error's message may quote the URL.
    return { kind: 'unreachable', error: timedOut(err) ? `no answer within ${r.timeoutMs} ms` : 'the destination could not be reached' };
  }
}
