/**
 * One delivery attempt of a completed study's DICOM SEG and SR to its tenant's DICOMweb
 * destination, and what follows from it (delivered, the next try with backoff, or given up), so
 * the study's Durable Object only keeps the record (as study-webhook.ts does for the webhook).
 *
 * The destination is read again at every attempt rather than copied into the study at
 * completion: a tenant who fixes a password, rotates a token or moves its PACS is obeyed by the
 * retries still pending, one who deletes it stops them, and no study keeps a copy of the
 * credential. What is fixed at completion is only *whether* the study is exported.
 *
 * The objects are built again at every attempt from R2 (their UIDs are derived from the study,
 * so a retry sends the very same instances) and only those the destination has not stored yet
 * are sent.
 */
import type { EdgeConfig } from '../config.js';
import { ProblemError } from '../../../shared/problem-error.js';
import { FailureReason } from '../studies/stow-response.js';
import { cipherFor, CredentialCipherError } from './credential-cipher.js';
import { findDestination, type Destination } from './destination-store.js';
import { checkDestinationUrl, destinationBase } from './destination-url-policy.js';
import type { ExportRow } from './export-row.js';
import { storeInstances, type StowOutcome } from './stow-client.js';
import { reasonText, type FailedInstance } from './read-stow-response.js';

/** 0111H Duplicate SOP Instance: the destination has it already, which is what a retry wanted. */
const DUPLICATE_SOP_INSTANCE = FailureReason.DuplicateSOPInstance;

export type ExportConfig = Pick<EdgeConfig, 'development' | 'dicomwebMaxAttempts' | 'dicomwebRetryBaseMs' | 'dicomwebTimeoutMs' | 'destinationEncryptionKey' | 'model'>;

/** What is sent of each object the study yields (a DicomObject of dicom-out/study-dicom-objects.ts). */
export interface ExportObject {
  kind: 'seg' | 'sr';
  sourceSeriesInstanceUID: string;
  studyInstanceUID: string;
  sopInstanceUID: string;
  /** A DICOM Part 10 file. */
  bytes: Uint8Array;
}

/** The study as the builder takes it; the attempt itself reads only its tenant. */
export interface ExportSnapshot {
  study: { tenant: string };
}

export interface ExportDeps<S extends ExportSnapshot> {
  config: ExportConfig;
  db: D1Database;
  bucket: R2Bucket;
  /** Builds the study's objects: studyDicomObjects in the Durable Object, a stand-in in tests. */
  build: (bucket: R2Bucket, snapshot: S, model: { name: string; version: string }) => Promise<ExportObject[]>;
}

/** What one attempt came to before backoff is applied. */
interface Result {
  /** Nothing left to send. */
  delivered: boolean;
  /** Worth another attempt (network, 5xx, 429, a partial failure, a passing fault of ours). */
  retry: boolean;
  httpStatus?: number;
  error?: string;
  /** SOP Instance UIDs this attempt got stored. */
  stored: string[];
  failed: number;
  /** The destination's host, once read. */
  host?: string;
  instances?: ExportRow['instances'];
}

const refusal = (error: string, retry: boolean, extra: Partial<Result> = {}): Result => ({ delivered: false, retry, error, stored: [], failed: 0, ...extra });

/** Failures as a sentence: how many, and the reasons the destination gave. */
function failureText(failed: FailedInstance[], of: number): string {
  const reasons = [...new Set(failed.map((f) => reasonText(f.reason)))].join(', ');
  return `${failed.length} of ${of} not stored (${reasons})`;
}

function fromOutcome(outcome: StowOutcome, sent: number): Omit<Result, 'host' | 'instances'> {
  switch (outcome.kind) {
    case 'stored':
      if (outcome.failed.length === 0) return { delivered: true, retry: false, httpStatus: outcome.httpStatus, stored: outcome.accepted, failed: 0 };
      return { delivered: false, retry: true, httpStatus: outcome.httpStatus, error: failureText(outcome.failed, sent), stored: outcome.accepted, failed: outcome.failed.length };
    case 'conflict': {
      // A 409 of duplicates only is a retry of ours that the destination had already stored.
      const duplicates = outcome.failed.filter((f) => f.reason === DUPLICATE_SOP_INSTANCE).map((f) => f.sopInstanceUID);
      const others = outcome.failed.filter((f) => f.reason !== DUPLICATE_SOP_INSTANCE);
      if (others.length === 0) return { delivered: true, retry: false, httpStatus: 409, stored: duplicates, failed: 0 };
      return { delivered: false, retry: false, httpStatus: 409, error: `the destination answered 409: ${failureText(others, sent)}`, stored: duplicates, failed: others.length };
    }
    case 'refused': {
      const retry = outcome.httpStatus >= 500 || outcome.httpStatus === 429 || outcome.httpStatus === 408;
      return { delivered: false, retry, httpStatus: outcome.httpStatus, error: outcome.error, stored: [], failed: sent };
    }
    case 'unreachable':
      return { delivered: false, retry: true, error: outcome.error, stored: [], failed: sent };
  }
}

/** The objects built now, each marked stored if an earlier attempt got it stored. */
function mergeInstances(objects: ExportObject[], before: ExportRow['instances']): ExportRow['instances'] {
  const stored = new Set(before.filter((i) => i.stored).map((i) => i.sopInstanceUID));
  return objects.map((o) => ({ kind: o.kind, sopInstanceUID: o.sopInstanceUID, sourceSeriesInstanceUID: o.sourceSeriesInstanceUID, stored: stored.has(o.sopInstanceUID) }));
}

/** A thrown error as a sentence for the record: our own errors say what broke; others only their kind. */
const describe = (err: unknown): string => (err instanceof ProblemError ? err.message : err instanceof Error ? err.name : 'unknown error');

async function attempt<S extends ExportSnapshot>(snapshot: S, row: ExportRow, deps: ExportDeps<S>): Promise<Result> {
  const { config } = deps;
  let destination: Destination | undefined;
  try {
    destination = await findDestination(deps.db, await cipherFor(config.destinationEncryptionKey), snapshot.study.tenant);
  } catch (err) {
    // A rotated key is fixed by the tenant PUTting the destination again, which the next attempt reads.
    if (err instanceof CredentialCipherError) return refusal(`not sent: the stored credential does not decrypt (${err.message}); PUT /v1/dicomweb-destination again`, true);
    return refusal('not sent: the destination could not be read', true);
  }
  if (!destination) return refusal('not sent: the tenant has no DICOMweb destination any more', false);
  const allowed = checkDestinationUrl(destination.url, { development: config.development });
  if (!allowed.ok) return refusal(`not sent: the destination URL is refused (${allowed.reason})`, false);
  const host = allowed.url.host;
  let objects: ExportObject[];
  try {
    objects = await deps.build(deps.bucket, snapshot, { name: config.model.name, version: config.model.version });
  } catch (err) {
    return refusal(`not sent: the DICOM objects could not be built (${describe(err)})`, true, { host });
  }
  const instances = mergeInstances(objects, row.instances);
  const pending = objects.filter((o) => !instances.find((i) => i.sopInstanceUID === o.sopInstanceUID)?.stored);
  if (pending.length === 0) return { delivered: true, retry: false, stored: [], failed: 0, host, instances };
  const studyUIDs = new Set(pending.map((o) => o.studyInstanceUID));
  const outcome = await storeInstances({
    base: destinationBase(allowed.url),
    // One study in the path when they share it (they do: the objects are the study's); else POST /studies.
    ...(studyUIDs.size === 1 ? { studyInstanceUID: pending[0]!.studyInstanceUID } : {}),
    auth: destination.auth,
    instances: pending.map((o) => ({ sopInstanceUID: o.sopInstanceUID, bytes: o.bytes })),
    timeoutMs: config.dicomwebTimeoutMs,
  });
  return { ...fromOutcome(outcome, pending.length), host, instances };
}

/**
 * Attempts delivery and returns the record after it: attempt n+1 waits base x 4^(n-1) after
 * attempt n; past `dicomwebMaxAttempts`, or on an answer no retry can change (4xx other than
 * 408/429, a 409 that is not all duplicates, no destination), it is given up. Never throws.
 *
 * @example
 * const next = await exportAttempt(snapshot, study.export, Date.now(), { config, db: env.DB, bucket: env.STUDIES, build: studyDicomObjects });
 */
export async function exportAttempt<S extends ExportSnapshot>(snapshot: S, row: ExportRow, now: number, deps: ExportDeps<S>): Promise<ExportRow> {
  let result: Result;
  try {
    result = await attempt(snapshot, row, deps);
  } catch (err) {
    result = refusal(`not sent: ${describe(err)}`, true);
  }
  const stored = new Set(result.stored);
  const instances = (result.instances ?? row.instances).map((i) => (stored.has(i.sopInstanceUID) ? { ...i, stored: true } : i));
  const attempts = [
    ...row.attempts,
    {
      at: now,
      ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
      accepted: result.stored.length,
      failed: result.failed,
    },
  ];
  const final = result.delivered || !result.retry || attempts.length >= deps.config.dicomwebMaxAttempts;
  return {
    state: result.delivered ? 'delivered' : final ? 'given_up' : 'pending',
    nextAt: final ? null : now + deps.config.dicomwebRetryBaseMs * 4 ** (attempts.length - 1),
    destination: result.host ?? row.destination,
    attempts,
    instances,
  };
}
