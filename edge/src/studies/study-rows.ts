/**
 * How a study is kept in its Durable Object's SQLite: the four tables (the study, one row per
 * instance, one row per frame of a multi-frame instance once committed, its DICOMweb export
 * once completed) and the typed rows read from them. JSON columns hold what zod schemas describe
 * (settings, headers, outcomes), parsed where a wrong shape would mislead a caller.
 */
import type { ExportRow } from '../dicomweb/export-row.js';
import type { InstanceHeader } from './instance-header.js';
import { SliceOutcome, StudyStatus, type CreateStudyBody, type SliceState } from './study-schemas.js';

export type SqlRow = Record<string, string | number | null>;
export type { ExportRow };

export interface StudyRow {
  id: string;
  tenant: string;
  status: StudyStatus;
  createdAt: number;
  committedAt: number | null;
  finishedAt: number | null;
  expiresAt: number;
  settings: CreateStudyBody;
  /** SHA-256 of the creating request's body, for Idempotency-Key replays. */
  bodySha256: string;
  studyInstanceUID: string | null;
  webhook: WebhookRow | null;
  /** Delivery of the study's DICOM SEG and SR to the tenant's DICOMweb destination; absent when it had none at completion. */
  export?: ExportRow;
}

/** The completion event for callbackUrl: what is sent, how far delivery got, every attempt. */
export interface WebhookRow {
  state: 'pending' | 'delivered' | 'given_up';
  nextAt: number | null;
  attempts: { at: number; httpStatus?: number; error?: string }[];
}

/**
 * An instance's state is its slice's, except 'split': a multi-frame instance committed as one
 * slice per frame, whose states are in the frame table (the instance row is no slice itself).
 */
export type InstanceState = SliceState | 'split';

export interface InstanceRow {
  sopInstanceUID: string;
  r2Key: string;
  sha256: string;
  header: InstanceHeader;
  state: InstanceState;
  /** Why it was skipped or failed (a code, then a sentence). */
  reason: string | null;
  outcome: SliceOutcome | null;
  maskKey: string | null;
}

/** One frame of a split multi-frame instance, as a slice. */
export interface FrameRow {
  sopInstanceUID: string;
  /** From 1. */
  frame: number;
  state: SliceState;
  reason: string | null;
  outcome: SliceOutcome | null;
  maskKey: string | null;
}

/** Creates the tables if they are not there (a new object, or one just purged). */
export function createStudyTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS study (
      id TEXT PRIMARY KEY, tenant TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL,
      committed_at INTEGER, finished_at INTEGER, expires_at INTEGER NOT NULL, settings TEXT NOT NULL,
      body_sha256 TEXT NOT NULL, study_uid TEXT,
      webhook_id TEXT, webhook_body TEXT, webhook_state TEXT, webhook_next_at INTEGER, webhook_attempts TEXT)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS instance (
      sop_uid TEXT PRIMARY KEY, r2_key TEXT NOT NULL, sha256 TEXT NOT NULL, header TEXT NOT NULL,
      state TEXT NOT NULL, reason TEXT, outcome TEXT, mask_key TEXT)`);
  // A table of its own, so studies stored before frames were slices keep their instance table as it was.
  sql.exec(`CREATE TABLE IF NOT EXISTS frame (
      sop_uid TEXT NOT NULL, frame INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT, outcome TEXT, mask_key TEXT,
      PRIMARY KEY (sop_uid, frame))`);
  // At most one row, written when the study completes for a tenant with a DICOMweb destination.
  // A table of its own for the same reason as frame: studies stored before export keep theirs.
  sql.exec(`CREATE TABLE IF NOT EXISTS dicomweb_export (
      state TEXT NOT NULL, next_at INTEGER, destination TEXT, attempts TEXT NOT NULL, instances TEXT NOT NULL)`);
}

export function toExportRow(row: SqlRow): ExportRow {
  return {
    state: String(row['state']) as ExportRow['state'],
    nextAt: row['next_at'] === null ? null : Number(row['next_at']),
    destination: row['destination'] === null ? null : String(row['destination']),
    attempts: JSON.parse(String(row['attempts'])) as ExportRow['attempts'],
    instances: JSON.parse(String(row['instances'])) as ExportRow['instances'],
  };
}

/** Slices in `state`: single-frame instances and frames of split ones. */
export function countSlices(sql: SqlStorage, state: SliceState): number {
  const instances = sql.exec<{ n: number }>('SELECT count(*) AS n FROM instance WHERE state = ?', state).one().n;
  const frames = sql.exec<{ n: number }>('SELECT count(*) AS n FROM frame WHERE state = ?', state).one().n;
  return instances + frames;
}

export function toFrameRow(row: SqlRow): FrameRow {
  return {
    sopInstanceUID: String(row['sop_uid']),
    frame: Number(row['frame']),
    state: String(row['state']) as SliceState,
    reason: row['reason'] === null ? null : String(row['reason']),
    outcome: row['outcome'] === null ? null : SliceOutcome.parse(JSON.parse(String(row['outcome']))),
    maskKey: row['mask_key'] === null ? null : String(row['mask_key']),
  };
}

/** The study row, with its export row when there is one. */
export function toStudyRow(row: SqlRow, exportRow?: SqlRow): StudyRow {
  return {
    ...(exportRow ? { export: toExportRow(exportRow) } : {}),
    id: String(row['id']),
    tenant: String(row['tenant']),
    status: StudyStatus.parse(row['status']),
    createdAt: Number(row['created_at']),
    committedAt: row['committed_at'] === null ? null : Number(row['committed_at']),
    finishedAt: row['finished_at'] === null ? null : Number(row['finished_at']),
    expiresAt: Number(row['expires_at']),
    settings: JSON.parse(String(row['settings'])) as CreateStudyBody,
    bodySha256: String(row['body_sha256']),
    studyInstanceUID: row['study_uid'] === null ? null : String(row['study_uid']),
    webhook:
      row['webhook_state'] === null || row['webhook_state'] === undefined
        ? null
        : {
            state: String(row['webhook_state']) as WebhookRow['state'],
            nextAt: row['webhook_next_at'] === null ? null : Number(row['webhook_next_at']),
            attempts: JSON.parse(String(row['webhook_attempts'] ?? '[]')) as WebhookRow['attempts'],
          },
  };
}

export function toInstanceRow(row: SqlRow): InstanceRow {
  return {
    sopInstanceUID: String(row['sop_uid']),
    r2Key: String(row['r2_key']),
    sha256: String(row['sha256']),
    header: JSON.parse(String(row['header'])) as InstanceHeader,
    state: String(row['state']) as InstanceState,
    reason: row['reason'] === null ? null : String(row['reason']),
    outcome: row['outcome'] === null ? null : SliceOutcome.parse(JSON.parse(String(row['outcome']))),
    maskKey: row['mask_key'] === null ? null : String(row['mask_key']),
  };
}

