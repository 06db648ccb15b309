/**
 * StudyState, the Durable Object that holds one study: its settings, every instance received
 * (header, where its bytes are, what became of it) and its progress. One instance per
 * tenant and study id, so another tenant's id names an empty object (404) and a study's writes
 * are serialised without locks. SQLite storage; the alarm expires studies never committed,
 * purges finished ones after their retention (deleting their R2 objects with them), and delivers
 * the completion webhook and, for a tenant with a DICOMweb destination, the study's DICOM SEG and
 * SR (STOW-RS), each with its own retries on the one alarm, every attempt recorded.
 */
import { DurableObject } from 'cloudflare:workers';
import { loadConfig, type EdgeBindings } from '../config.js';
import { studyDicomObjects } from '../dicom-out/study-dicom-objects.js';
import { describeDestination } from '../dicomweb/destination-store.js';
import { exportAttempt } from '../dicomweb/export-attempt.js';
import type { InstanceHeader } from './instance-header.js';
import { skipReason, orderSeries, splitFrames } from './series-geometry.js';
import { sliceId, sliceName, type FrameOverrides, type SliceId } from './slice-message.js';
import type { CreateStudyBody, SliceOutcome, StudyStatus } from './study-schemas.js';
import { deletePrefix, studyPrefix } from './study-keys.js';
import { countSlices, createStudyTables, toFrameRow, toInstanceRow, toStudyRow, type ExportRow, type FrameRow, type InstanceRow, type SqlRow, type StudyRow, type WebhookRow } from './study-rows.js';
import { completionEvent, webhookAttempt } from './study-webhook.js';

/** How often a study still processing at its expiry is looked at again. */
const PROCESSING_RECHECK_MS = 60 * 60 * 1000;

export interface NewInstance {
  r2Key: string;
  sha256: string;
  header: InstanceHeader;
}

export type AddInstanceResult = { sopInstanceUID: string; accepted: true } | { accepted: false; code: 'duplicate_instance' | 'wrong_study' | 'no_sop_instance_uid'; reason: string; sopInstanceUID?: string };

/** What commit hands the queue: one message per slice to process (a single-frame instance, or a frame). */
export interface QueuedSlice extends SliceId {
  r2Key: string;
  /** A frame's own Modality LUT and geometry, from the functional groups. */
  overrides?: FrameOverrides;
}

/** A processed slice's outcome; `frame` names the frame of a multi-frame instance. */
export type SliceResultUpdate =
  | (SliceId & { state: 'done'; outcome: SliceOutcome; maskKey: string })
  | (SliceId & { state: 'failed'; reason: string });

export class StudyState extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.createTables();
  }

  /** At construction, and again after a purge (deleteAll drops the tables with the rows). */
  private createTables(): void {
    createStudyTables(this.ctx.storage.sql);
  }

  /** Creates the study, or returns the one already here (an Idempotency-Key replay decides). */
  async create(input: { id: string; tenant: string; settings: CreateStudyBody; bodySha256: string; now: number }): Promise<{ study: StudyRow; created: boolean }> {
    const existing = this.study();
    if (existing) return { study: existing, created: false };
    const expiresAt = input.now + this.ttl().receivingMs;
    this.ctx.storage.sql.exec(
      'INSERT INTO study (id, tenant, status, created_at, expires_at, settings, body_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)',
      input.id,
      input.tenant,
      'receiving',
      input.now,
      expiresAt,
      JSON.stringify(input.settings),
      input.bodySha256,
    );
    await this.ctx.storage.setAlarm(expiresAt);
    return { study: this.study()!, created: true };
  }

  /** The study, its instances and the frames of split ones, or undefined when there is none (never created, or purged). */
  async snapshot(): Promise<{ study: StudyRow; instances: InstanceRow[]; frames: FrameRow[] } | undefined> {
    const study = this.study();
    if (!study) return undefined;
    const sql = this.ctx.storage.sql;
    const instances = sql.exec<SqlRow>('SELECT * FROM instance ORDER BY rowid').toArray().map(toInstanceRow);
    const frames = sql.exec<SqlRow>('SELECT * FROM frame ORDER BY sop_uid, frame').toArray().map(toFrameRow);
    return { study: this.expireIfDue(study), instances, frames };
  }

  /**
   * Records uploaded instances; refuses duplicates (by SOP Instance UID) and instances of another
   * study (by Study Instance UID: the first instance fixes it). `unusedKeys` are R2 objects no
   * accepted instance refers to, which the caller deletes.
   */
  async addInstances(items: NewInstance[]): Promise<{ status: StudyStatus | undefined; results: AddInstanceResult[]; unusedKeys: string[] }> {
    const study = this.study();
    if (!study || study.status !== 'receiving') return { status: study?.status, results: [], unusedKeys: items.map((i) => i.r2Key) };
    const sql = this.ctx.storage.sql;
    let studyUID = study.studyInstanceUID;
    const results: AddInstanceResult[] = [];
    const kept = new Set<string>();
    for (const item of items) {
      const sop = item.header.sopInstanceUID;
      const itsStudy = item.header.studyInstanceUID;
      if (!sop) {
        results.push({ accepted: false, code: 'no_sop_instance_uid', reason: 'the instance has no SOP Instance UID (0008,0018)' });
        continue;
      }
      if (studyUID && itsStudy && itsStudy !== studyUID) {
        results.push({ accepted: false, sopInstanceUID: sop, code: 'wrong_study', reason: 'its Study Instance UID differs from the instances already in this study' });
        continue;
      }
      if (sql.exec('SELECT 1 FROM instance WHERE sop_uid = ?', sop).toArray().length > 0) {
        results.push({ accepted: false, sopInstanceUID: sop, code: 'duplicate_instance', reason: 'an instance with this SOP Instance UID is already in the study' });
        continue;
      }
      if (!studyUID && itsStudy) {
        studyUID = itsStudy;
        sql.exec('UPDATE study SET study_uid = ?', studyUID);
      }
      sql.exec(
        'INSERT INTO instance (sop_uid, r2_key, sha256, header, state) VALUES (?, ?, ?, ?, ?)',
        sop,
        item.r2Key,
        item.sha256,
        JSON.stringify(item.header),
        'received',
      );
      kept.add(item.r2Key);
      results.push({ accepted: true, sopInstanceUID: sop });
    }
    const referenced = new Set(sql.exec<{ r2_key: string }>('SELECT r2_key FROM instance').toArray().map((r) => r.r2_key));
    const unusedKeys = [...new Set(items.map((i) => i.r2Key))].filter((k) => !kept.has(k) && !referenced.has(k));
    return { status: 'receiving', results, unusedKeys };
  }

  /**
   * Ends receiving: splits multi-frame instances into one slice per frame, skips what is not a
   * slice of a usable series (localizers, non-CT, multi-frame instances without per-frame
   * positions, geometry that disagrees with its series) and returns the rest for the queue.
   * Refused (undefined) unless the study is receiving.
   */
  async commit(now: number): Promise<{ status: StudyStatus; queued: QueuedSlice[]; unusedKeys: string[] } | undefined> {
    const study = this.study();
    if (!study || study.status !== 'receiving') return undefined;
    const sql = this.ctx.storage.sql;
    const rows = sql.exec<SqlRow>('SELECT * FROM instance').toArray().map(toInstanceRow);
    const skip = (sop: string, reason: string) => sql.exec("UPDATE instance SET state = 'skipped', reason = ? WHERE sop_uid = ?", reason, sop);
    const bySeries = new Map<string, (QueuedSlice & { header: InstanceHeader })[]>();
    for (const row of rows) {
      const why = skipReason(row.header);
      if (why) {
        skip(row.sopInstanceUID, why === 'localizer' ? 'localizer: Image Type names a localizer or scout' : `not_ct: modality ${row.header.modality}`);
        continue;
      }
      let slices: (QueuedSlice & { header: InstanceHeader })[] = [{ sopInstanceUID: row.sopInstanceUID, r2Key: row.r2Key, header: row.header }];
      if (row.header.frames > 1) {
        const split = splitFrames(row.header);
        if ('reason' in split) {
          skip(row.sopInstanceUID, split.reason);
          continue;
        }
        sql.exec("UPDATE instance SET state = 'split' WHERE sop_uid = ?", row.sopInstanceUID);
        slices = split.frames.map(({ rescale, ...header }, i) => ({ sopInstanceUID: row.sopInstanceUID, frame: i + 1, r2Key: row.r2Key, header, overrides: frameOverrides(header, rescale) }));
      }
      const series = row.header.seriesInstanceUID ?? '';
      const members = bySeries.get(series) ?? [];
      if (members.length === 0) bySeries.set(series, members);
      members.push(...slices);
    }
    const queued: QueuedSlice[] = [];
    for (const members of bySeries.values()) {
      // Frames are ordered with the single-frame slices of their series, as any slice is.
      const order = orderSeries(members.map((m) => ({ key: sliceName(m), header: m.header })));
      const inconsistent = new Map([
        ...order.inconsistent.map((i) => [i.key, `inconsistent_geometry: ${i.reason}`] as const),
        ...order.duplicates.map((d) => [d.key, `duplicate_position: at the position of ${d.duplicateOf}`] as const),
      ]);
      for (const m of members) {
        const reason = inconsistent.get(sliceName(m));
        if (m.frame !== undefined) sql.exec('INSERT INTO frame (sop_uid, frame, state, reason) VALUES (?, ?, ?, ?)', m.sopInstanceUID, m.frame, reason ? 'skipped' : 'queued', reason ?? null);
        else if (reason) skip(m.sopInstanceUID, reason);
        else sql.exec("UPDATE instance SET state = 'queued' WHERE sop_uid = ?", m.sopInstanceUID);
        if (!reason) queued.push({ ...sliceId(m), r2Key: m.r2Key, ...(m.overrides ? { overrides: m.overrides } : {}) });
      }
    }
    // Skipped instances are never processed: their bytes go now (unless a queued one shares them).
    const needed = new Set(queued.map((q) => q.r2Key));
    const unusedKeys = [...new Set(rows.map((r) => r.r2Key))].filter((k) => !needed.has(k));
    const status: StudyStatus = queued.length > 0 ? 'queued' : 'failed';
    sql.exec('UPDATE study SET status = ?, committed_at = ?', status, now);
    if (status === 'failed') await this.finish(now, 'failed');
    return { status, queued, unusedKeys };
  }

  /**
   * Records processed slices; the study completes when none is left queued. `releasedKeys` are the
   * uploads no queued slice needs any more, which the caller deletes: a single-frame instance's once
   * it is settled, a multi-frame one's once its last frame is.
   */
  async recordResults(updates: SliceResultUpdate[], now: number): Promise<{ status: StudyStatus | undefined; releasedKeys: string[] }> {
    const study = this.study();
    const sql = this.ctx.storage.sql;
    if (!study || (study.status !== 'queued' && study.status !== 'processing')) {
      // Settled already (a redelivery), so none of its uploads is needed; purged, and they are gone.
      return { status: study?.status, releasedKeys: study ? this.uploadKeys(updates, () => true) : [] };
    }
    for (const u of updates) {
      const [table, where, ...key] = u.frame === undefined ? ['instance', 'sop_uid = ?', u.sopInstanceUID] : ['frame', 'sop_uid = ? AND frame = ?', u.sopInstanceUID, u.frame];
      if (u.state === 'done') {
        sql.exec(`UPDATE ${table} SET state = 'done', outcome = ?, mask_key = ?, reason = NULL WHERE ${where} AND state = 'queued'`, JSON.stringify(u.outcome), u.maskKey, ...key);
      } else {
        sql.exec(`UPDATE ${table} SET state = 'failed', reason = ? WHERE ${where} AND state = 'queued'`, u.reason, ...key);
      }
    }
    const releasedKeys = this.uploadKeys(updates, (sop, split) =>
      split
        ? sql.exec<{ n: number }>("SELECT count(*) AS n FROM frame WHERE sop_uid = ? AND state = 'queued'", sop).one().n === 0
        : sql.exec<{ n: number }>("SELECT count(*) AS n FROM instance WHERE sop_uid = ? AND state = 'queued'", sop).one().n === 0,
    );
    if (countSlices(sql, 'queued') > 0) {
      sql.exec("UPDATE study SET status = 'processing'");
      return { status: 'processing', releasedKeys };
    }
    const status: StudyStatus = countSlices(sql, 'done') > 0 ? 'completed' : 'failed';
    await this.finish(now, status);
    return { status, releasedKeys };
  }

  /** The R2 keys of the instances `updates` name for which `released(sop, isSplit)` holds. */
  private uploadKeys(updates: SliceResultUpdate[], released: (sop: string, split: boolean) => boolean): string[] {
    const keys = new Set<string>();
    for (const sop of new Set(updates.map((u) => u.sopInstanceUID))) {
      const row = this.ctx.storage.sql.exec<{ r2_key: string; state: string }>('SELECT r2_key, state FROM instance WHERE sop_uid = ?', sop).toArray()[0];
      if (row && released(sop, row.state === 'split')) keys.add(row.r2_key);
    }
    return [...keys];
  }

  /** Deletes every stored object of the study (R2 first, then this object's storage). */
  async purge(): Promise<boolean> {
    const study = this.study();
    if (!study) return false;
    await deletePrefix(this.env.STUDIES, studyPrefix(study.tenant, study.id));
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.createTables();
    return true;
  }

  /**
   * Webhook and export attempts when due; expiry of an uncommitted study, and of a finished one
   * after its retention. One alarm serves all: it is set for the earliest of them.
   */
  override async alarm(): Promise<void> {
    let study = this.study();
    if (!study) return;
    if (isDue(study.webhook, Date.now())) {
      await this.attemptWebhook(study, Date.now());
      // A DELETE while the attempt was out purged the study: nothing is left to do.
      if (!(study = this.study())) return;
    }
    if (isDue(study.export, Date.now())) {
      await this.attemptExport(study, Date.now());
      if (!(study = this.study())) return;
    }
    const now = Date.now();
    if (study.expiresAt <= now && (study.status === 'receiving' || study.finishedAt !== null)) {
      await this.purge();
      return;
    }
    // Still processing at expiry: look again later rather than purge work in flight.
    const next = study.expiresAt <= now ? now + PROCESSING_RECHECK_MS : study.expiresAt;
    const retries = [study.webhook, study.export].flatMap((d) => (d?.state === 'pending' && d.nextAt !== null ? [d.nextAt] : []));
    await this.ctx.storage.setAlarm(Math.min(next, ...retries));
  }

  /** One delivery attempt, recorded; the next is scheduled with backoff, or delivery given up. */
  private async attemptWebhook(study: StudyRow, now: number): Promise<void> {
    const sql = this.ctx.storage.sql;
    const message = sql.exec<{ webhook_id: string; webhook_body: string }>('SELECT webhook_id, webhook_body FROM study').one();
    const next = await webhookAttempt(study, { id: message.webhook_id, body: message.webhook_body }, now, loadConfig(this.env as EdgeBindings), this.env.DB);
    sql.exec('UPDATE study SET webhook_state = ?, webhook_next_at = ?, webhook_attempts = ?', next.state, next.nextAt, JSON.stringify(next.attempts));
  }

  /** One export attempt (export-attempt.ts), recorded; the next is scheduled with backoff, or delivery given up or done. */
  private async attemptExport(study: StudyRow, now: number): Promise<void> {
    const snapshot = (await this.snapshot())!;
    const next = await exportAttempt(snapshot, study.export!, now, { config: loadConfig(this.env as EdgeBindings), db: this.env.DB, bucket: this.env.STUDIES, build: studyDicomObjects });
    // UPDATE, not INSERT: after a purge during the attempt the table is empty and stays so.
    this.ctx.storage.sql.exec('UPDATE dicomweb_export SET state = ?, next_at = ?, destination = ?, attempts = ?, instances = ?', next.state, next.nextAt, next.destination, JSON.stringify(next.attempts), JSON.stringify(next.instances));
  }

  /**
   * Whether a completed study is exported, and where: the host of the tenant's destination now.
   * A destination added later does not export studies already finished. When D1 cannot say,
   * the export is kept pending with no host and its first attempt reads the destination again.
   */
  private async exportDestination(tenant: string): Promise<{ host: string | null } | undefined> {
    try {
      const destination = await describeDestination(this.env.DB, tenant);
      return destination && { host: new URL(destination.url).host };
    } catch {
      return { host: null };
    }
  }

  /** STUDY_RECEIVING_TTL_SECONDS and STUDY_RESULTS_TTL_HOURS (wrangler.toml), read per call so a config change applies. */
  private ttl(): { receivingMs: number; resultsMs: number } {
    const config = loadConfig(this.env as EdgeBindings);
    return { receivingMs: config.studyReceivingTtlMs, resultsMs: config.studyResultsTtlMs };
  }

  private async finish(now: number, status: StudyStatus): Promise<void> {
    const expiresAt = now + this.ttl().resultsMs;
    const sql = this.ctx.storage.sql;
    sql.exec('UPDATE study SET status = ?, finished_at = ?, expires_at = ?', status, now, expiresAt);
    const study = this.study()!;
    if (study.settings.callbackUrl) {
      const event = completionEvent(study, status, { done: countSlices(sql, 'done'), failed: countSlices(sql, 'failed') }, now);
      sql.exec("UPDATE study SET webhook_id = ?, webhook_body = ?, webhook_state = 'pending', webhook_next_at = ?, webhook_attempts = '[]'", event.id, event.body, now);
    }
    // A failed study has no segmented slice, so no SEG or SR to send.
    const exportTo = status === 'completed' ? await this.exportDestination(study.tenant) : undefined;
    // Purged while D1 answered: write nothing into the emptied object.
    if (!this.study()) return;
    if (exportTo) sql.exec("INSERT INTO dicomweb_export (state, next_at, destination, attempts, instances) VALUES ('pending', ?, ?, '[]', '[]')", now, exportTo.host);
    // First attempts right away (the alarm runs outside this call, so a slow receiver never delays the consumer).
    await this.ctx.storage.setAlarm(study.settings.callbackUrl || exportTo ? now : expiresAt);
  }

  private expireIfDue(study: StudyRow): StudyRow {
    return study.status === 'receiving' && study.expiresAt <= Date.now() ? { ...study, status: 'expired' } : study;
  }

  private study(): StudyRow | undefined {
    const sql = this.ctx.storage.sql;
    const row = sql.exec<SqlRow>('SELECT * FROM study').toArray()[0];
    return row ? toStudyRow(row, sql.exec<SqlRow>('SELECT * FROM dicomweb_export').toArray()[0]) : undefined;
  }
}

/** A delivery (webhook or export) whose next attempt is due. */
const isDue = (delivery: WebhookRow | ExportRow | null | undefined, now: number): boolean => delivery?.state === 'pending' && (delivery.nextAt ?? 0) <= now;

/** What the decoder and the lung mask need of a frame that its file's top level does not say. */
function frameOverrides(header: InstanceHeader, rescale: FrameOverrides['rescale']): FrameOverrides {
  return {
    ...(rescale ? { rescale } : {}),
    ...(header.pixelSpacing ? { pixelSpacingMm: header.pixelSpacing } : {}),
    ...(header.imageOrientationPatient ? { imageOrientationPatient: header.imageOrientationPatient } : {}),
  };
}
