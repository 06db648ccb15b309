/**
 * StudyState, the Durable Object that holds one study: its settings, every instance received
 * (header, where its bytes are, what became of it) and its progress. One instance per
 * tenant and study id, so another tenant's id names an empty object (404) and a study's writes
 * are serialised without locks. SQLite storage; the alarm expires studies never committed,
 * purges finished ones after their retention (deleting their R2 objects with them), and delivers
 * the completion webhook with retries, every attempt recorded.
 */
import { DurableObject } from 'cloudflare:workers';
import { loadConfig, type EdgeBindings } from '../config.js';
import type { InstanceHeader } from './instance-header.js';
import { skipReason, orderSeries } from './series-geometry.js';
import { SliceOutcome, StudyStatus, type CreateStudyBody, type SliceState } from './study-schemas.js';
import { studyPrefix } from './study-keys.js';
import { deliverWebhook } from '../webhooks/deliver-webhook.js';
import { checkCallbackUrl } from '../webhooks/callback-url-policy.js';
import { findWebhookSecret } from '../webhooks/webhook-secret-store.js';

/** How often a study still processing at its expiry is looked at again. */
const PROCESSING_RECHECK_MS = 60 * 60 * 1000;

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
}

/** The completion event for callbackUrl: what is sent, how far delivery got, every attempt. */
export interface WebhookRow {
  state: 'pending' | 'delivered' | 'given_up';
  nextAt: number | null;
  attempts: { at: number; httpStatus?: number; error?: string }[];
}

export interface InstanceRow {
  sopInstanceUID: string;
  r2Key: string;
  sha256: string;
  header: InstanceHeader;
  state: SliceState;
  /** Why it was skipped or failed (a code, then a sentence). */
  reason: string | null;
  outcome: SliceOutcome | null;
  maskKey: string | null;
}

export interface NewInstance {
  r2Key: string;
  sha256: string;
  header: InstanceHeader;
}

export type AddInstanceResult = { sopInstanceUID: string; accepted: true } | { accepted: false; code: 'duplicate_instance' | 'wrong_study' | 'no_sop_instance_uid'; reason: string; sopInstanceUID?: string };

/** What commit hands the queue: one message per slice to process. */
export interface QueuedSlice {
  sopInstanceUID: string;
  r2Key: string;
}

export type SliceResultUpdate =
  | { sopInstanceUID: string; state: 'done'; outcome: SliceOutcome; maskKey: string }
  | { sopInstanceUID: string; state: 'failed'; reason: string };

export class StudyState extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.createTables();
  }

  /** At construction, and again after a purge (deleteAll drops the tables with the rows). */
  private createTables(): void {
    const sql = this.ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS study (
      id TEXT PRIMARY KEY, tenant TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL,
      committed_at INTEGER, finished_at INTEGER, expires_at INTEGER NOT NULL, settings TEXT NOT NULL,
      body_sha256 TEXT NOT NULL, study_uid TEXT,
      webhook_id TEXT, webhook_body TEXT, webhook_state TEXT, webhook_next_at INTEGER, webhook_attempts TEXT)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS instance (
      sop_uid TEXT PRIMARY KEY, r2_key TEXT NOT NULL, sha256 TEXT NOT NULL, header TEXT NOT NULL,
      state TEXT NOT NULL, reason TEXT, outcome TEXT, mask_key TEXT)`);
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

  /** The study and its instances, or undefined when there is none (never created, or purged). */
  async snapshot(): Promise<{ study: StudyRow; instances: InstanceRow[] } | undefined> {
    const study = this.study();
    if (!study) return undefined;
    const instances = this.ctx.storage.sql
      .exec<Record<string, string | number | null>>('SELECT * FROM instance ORDER BY rowid')
      .toArray()
      .map(toInstanceRow);
    return { study: this.expireIfDue(study), instances };
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
   * Ends receiving: skips what is not a slice of a usable series (localizers, non-CT, geometry
   * that disagrees with its series) and returns the rest for the queue. Refused (undefined)
   * unless the study is receiving.
   */
  async commit(now: number): Promise<{ status: StudyStatus; queued: QueuedSlice[]; unusedKeys: string[] } | undefined> {
    const study = this.study();
    if (!study || study.status !== 'receiving') return undefined;
    const sql = this.ctx.storage.sql;
    const rows = sql.exec<Record<string, string | number | null>>('SELECT * FROM instance').toArray().map(toInstanceRow);
    const skip = (sop: string, reason: string) => sql.exec("UPDATE instance SET state = 'skipped', reason = ? WHERE sop_uid = ?", reason, sop);
    const bySeries = new Map<string, InstanceRow[]>();
    for (const row of rows) {
      const why = skipReason(row.header);
      if (why) {
        skip(row.sopInstanceUID, why === 'localizer' ? 'localizer: Image Type names a localizer or scout' : `not_ct: modality ${row.header.modality}`);
        continue;
      }
      if (row.header.frames > 1) {
        skip(row.sopInstanceUID, 'multi_frame: enhanced multi-frame instances are not split into slices in studies yet');
        continue;
      }
      const series = row.header.seriesInstanceUID ?? '';
      bySeries.set(series, [...(bySeries.get(series) ?? []), row]);
    }
    const queued: QueuedSlice[] = [];
    for (const members of bySeries.values()) {
      const order = orderSeries(members.map((m) => ({ key: m.sopInstanceUID, header: m.header })));
      const inconsistent = new Map([
        ...order.inconsistent.map((i) => [i.key, `inconsistent_geometry: ${i.reason}`] as const),
        ...order.duplicates.map((d) => [d.key, `duplicate_position: at the position of ${d.duplicateOf}`] as const),
      ]);
      for (const m of members) {
        const reason = inconsistent.get(m.sopInstanceUID);
        if (reason) skip(m.sopInstanceUID, reason);
        else queued.push({ sopInstanceUID: m.sopInstanceUID, r2Key: m.r2Key });
      }
    }
    for (const q of queued) sql.exec("UPDATE instance SET state = 'queued' WHERE sop_uid = ?", q.sopInstanceUID);
    // Skipped instances are never processed: their bytes go now (unless a queued one shares them).
    const needed = new Set(queued.map((q) => q.r2Key));
    const unusedKeys = [...new Set(rows.map((r) => r.r2Key))].filter((k) => !needed.has(k));
    const status: StudyStatus = queued.length > 0 ? 'queued' : 'failed';
    sql.exec('UPDATE study SET status = ?, committed_at = ?', status, now);
    if (status === 'failed') await this.finish(now, 'failed');
    return { status, queued, unusedKeys };
  }

  /** Records processed slices; the study completes when none is left queued. */
  async recordResults(updates: SliceResultUpdate[], now: number): Promise<StudyStatus | undefined> {
    const study = this.study();
    if (!study || (study.status !== 'queued' && study.status !== 'processing')) return study?.status;
    const sql = this.ctx.storage.sql;
    for (const u of updates) {
      if (u.state === 'done') {
        sql.exec("UPDATE instance SET state = 'done', outcome = ?, mask_key = ?, reason = NULL WHERE sop_uid = ? AND state = 'queued'", JSON.stringify(u.outcome), u.maskKey, u.sopInstanceUID);
      } else {
        sql.exec("UPDATE instance SET state = 'failed', reason = ? WHERE sop_uid = ? AND state = 'queued'", u.reason, u.sopInstanceUID);
      }
    }
    const left = sql.exec<{ n: number }>("SELECT count(*) AS n FROM instance WHERE state = 'queued'").one().n;
    if (left > 0) {
      sql.exec("UPDATE study SET status = 'processing'");
      return 'processing';
    }
    const done = sql.exec<{ n: number }>("SELECT count(*) AS n FROM instance WHERE state = 'done'").one().n;
    const status: StudyStatus = done > 0 ? 'completed' : 'failed';
    await this.finish(now, status);
    return status;
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

  /** Webhook attempts when due; expiry of an uncommitted study, and of a finished one after its retention. */
  override async alarm(): Promise<void> {
    let study = this.study();
    if (!study) return;
    const now = Date.now();
    if (study.webhook?.state === 'pending' && (study.webhook.nextAt ?? 0) <= now) {
      await this.attemptWebhook(study, now);
      study = this.study()!;
    }
    if (study.expiresAt <= now && (study.status === 'receiving' || study.finishedAt !== null)) {
      await this.purge();
      return;
    }
    // Still processing at expiry: look again later rather than purge work in flight.
    const next = study.expiresAt <= now ? now + PROCESSING_RECHECK_MS : study.expiresAt;
    await this.ctx.storage.setAlarm(study.webhook?.state === 'pending' ? Math.min(next, study.webhook.nextAt ?? next) : next);
  }

  /** One delivery attempt; schedules the next with exponential backoff, or gives up after the configured number. */
  private async attemptWebhook(study: StudyRow, now: number): Promise<void> {
    const config = loadConfig(this.env as EdgeBindings);
    const sql = this.ctx.storage.sql;
    const row = sql.exec<{ webhook_id: string; webhook_body: string }>('SELECT webhook_id, webhook_body FROM study').one();
    const attempts = [...(study.webhook?.attempts ?? [])];
    const url = study.settings.callbackUrl ?? '';
    const allowed = checkCallbackUrl(url, { development: config.development });
    const secret = allowed.ok ? await findWebhookSecret(this.env.DB, study.tenant) : undefined;
    const result = !allowed.ok
      ? { ok: false, error: `not sent: ${allowed.reason}` }
      : !secret
        ? { ok: false, error: 'not sent: the tenant has no webhook secret (npm run keys -- webhook-secret create)' }
        : await deliverWebhook({ url, secret, id: row.webhook_id, body: row.webhook_body, nowS: Math.floor(now / 1000) });
    attempts.push({ at: now, ...('httpStatus' in result && result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}), ...(result.error ? { error: result.error } : {}) });
    const final = result.ok || attempts.length >= config.webhookMaxAttempts;
    const state = result.ok ? 'delivered' : final ? 'given_up' : 'pending';
    const nextAt = final ? null : now + config.webhookRetryBaseMs * 4 ** (attempts.length - 1);
    sql.exec('UPDATE study SET webhook_state = ?, webhook_next_at = ?, webhook_attempts = ?', state, nextAt, JSON.stringify(attempts));
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
    if (!study.settings.callbackUrl) {
      await this.ctx.storage.setAlarm(expiresAt);
      return;
    }
    // The event names the study and where its results are; no patient data, no results inline.
    const done = sql.exec<{ n: number }>("SELECT count(*) AS n FROM instance WHERE state = 'done'").one().n;
    const failed = sql.exec<{ n: number }>("SELECT count(*) AS n FROM instance WHERE state = 'failed'").one().n;
    const body = JSON.stringify({
      type: `study.${status}`,
      timestamp: new Date(now).toISOString(),
      data: { id: study.id, status, ...(study.settings.externalId ? { externalId: study.settings.externalId } : {}), slicesDone: done, slicesFailed: failed, url: `/v1/studies/${study.id}` },
    });
    sql.exec("UPDATE study SET webhook_id = ?, webhook_body = ?, webhook_state = 'pending', webhook_next_at = ?, webhook_attempts = '[]'", `msg_${study.id}_${status}`, body, now);
    // The first attempt right away (the alarm runs outside this call, so a slow receiver never delays the consumer).
    await this.ctx.storage.setAlarm(now);
  }

  private expireIfDue(study: StudyRow): StudyRow {
    return study.status === 'receiving' && study.expiresAt <= Date.now() ? { ...study, status: 'expired' } : study;
  }

  private study(): StudyRow | undefined {
    const row = this.ctx.storage.sql.exec<Record<string, string | number | null>>('SELECT * FROM study').toArray()[0];
    if (!row) return undefined;
    return {
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
}

function toInstanceRow(row: Record<string, string | number | null>): InstanceRow {
  return {
    sopInstanceUID: String(row['sop_uid']),
    r2Key: String(row['r2_key']),
    sha256: String(row['sha256']),
    header: JSON.parse(String(row['header'])) as InstanceHeader,
    state: String(row['state']) as SliceState,
    reason: row['reason'] === null ? null : String(row['reason']),
    outcome: row['outcome'] === null ? null : SliceOutcome.parse(JSON.parse(String(row['outcome']))),
    maskKey: row['mask_key'] === null ? null : String(row['mask_key']),
  };
}

/** Lists and deletes every object under `prefix` (R2 lists 1000 at a time). */
async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
    if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}
