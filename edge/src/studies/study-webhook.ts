/**
 * A study's completion webhook, apart from where it is stored: the event sent when the study
 * finishes (it names the study and where its results are, never results or patient data), and
 * one delivery attempt with what follows from it (delivered, the next try with backoff, or given
 * up), so the Durable Object only keeps the record.
 */
import type { EdgeConfig } from '../config.js';
import { checkCallbackUrl } from '../webhooks/callback-url-policy.js';
import { deliverWebhook } from '../webhooks/deliver-webhook.js';
import { findWebhookSecret } from '../webhooks/webhook-secret-store.js';
import type { StudyStatus } from './study-schemas.js';
import type { StudyRow, WebhookRow } from './study-rows.js';

/** The Standard Webhooks message: its id (the same for every retry) and body. */
export function completionEvent(study: StudyRow, status: StudyStatus, slices: { done: number; failed: number }, now: number): { id: string; body: string } {
  const body = JSON.stringify({
    type: `study.${status}`,
    timestamp: new Date(now).toISOString(),
    data: {
      id: study.id,
      status,
      ...(study.settings.externalId ? { externalId: study.settings.externalId } : {}),
      slicesDone: slices.done,
      slicesFailed: slices.failed,
      url: `/v1/studies/${study.id}`,
    },
  });
  return { id: `msg_${study.id}_${status}`, body };
}

/**
 * Attempts delivery (refused before sending when the URL no longer passes the policy or the
 * tenant has no secret) and returns the record after it: attempt n+1 waits base x 4^(n-1).
 */
export async function webhookAttempt(
  study: StudyRow,
  message: { id: string; body: string },
  now: number,
  config: Pick<EdgeConfig, 'development' | 'webhookMaxAttempts' | 'webhookRetryBaseMs'>,
  db: D1Database,
): Promise<Omit<WebhookRow, 'attempts'> & { attempts: WebhookRow['attempts'] }> {
  const url = study.settings.callbackUrl ?? '';
  const allowed = checkCallbackUrl(url, { development: config.development });
  const secret = allowed.ok ? await findWebhookSecret(db, study.tenant) : undefined;
  const result = !allowed.ok
    ? { ok: false, error: `not sent: ${allowed.reason}` }
    : !secret
      ? { ok: false, error: 'not sent: the tenant has no webhook secret (npm run keys -- webhook-secret create)' }
      : await deliverWebhook({ url, secret, id: message.id, body: message.body, nowS: Math.floor(now / 1000) });
  const attempts = [
    ...(study.webhook?.attempts ?? []),
    { at: now, ...('httpStatus' in result && result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}), ...(result.error ? { error: result.error } : {}) },
  ];
  const final = result.ok || attempts.length >= config.webhookMaxAttempts;
  return {
    state: result.ok ? 'delivered' : final ? 'given_up' : 'pending',
    nextAt: final ? null : now + config.webhookRetryBaseMs * 4 ** (attempts.length - 1),
    attempts,
  };
}
