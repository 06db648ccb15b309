/**
 * One delivery attempt of a signed webhook (Standard Webhooks headers). Redirects are not
 * followed (a redirect could point anywhere the URL policy refused), the attempt is bounded in
 * time, and the receiver's body is never read into our logs or state: only its status counts.
 */
import { signWebhook } from './sign-webhook.js';

export interface WebhookAttempt {
  ok: boolean;
  /** The receiver's HTTP status, when it answered. */
  httpStatus?: number;
  /** Why the attempt failed when there was no 2xx: a sentence without the URL. */
  error?: string;
}

/** How long a receiver may take to answer one attempt. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export async function deliverWebhook(a: { url: string; secret: string; id: string; body: string; nowS: number }): Promise<WebhookAttempt> {
  const signature = await signWebhook(a.secret, a.id, a.nowS, a.body);
  try {
    const res = await fetch(a.url, {
      method: 'POST',
      body: a.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'webhook-id': a.id,
        'webhook-timestamp': String(a.nowS),
        'webhook-signature': signature,
        'user-agent': 'bsnet-webhooks/1',
      },
    });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { ok: true, httpStatus: res.status };
    return { ok: false, httpStatus: res.status, error: res.status >= 300 && res.status < 400 ? 'the receiver redirected (redirects are not followed)' : `the receiver answered ${res.status}` };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return { ok: false, error: timedOut ? `no answer within ${WEBHOOK_TIMEOUT_MS} ms` : 'the receiver could not be reached' };
  }
}
