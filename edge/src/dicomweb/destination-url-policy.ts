/**
 * Which DICOMweb base URLs the edge will send studies to: the callbackUrl policy
 * (webhooks/callback-url-policy.ts: https, public hosts only, no credentials; http to
 * 127.0.0.1 / localhost in development) plus what a base URL must not have. Checked at PUT and
 * again before every delivery, since the policy can tighten after a row was written.
 */
import { checkCallbackUrl } from '../webhooks/callback-url-policy.js';

export type DestinationUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * @example
 * const check = checkDestinationUrl(body.url, { development: config.development });
 * if (!check.ok) throw new EdgeError(400, 'invalid_parameter', `url: ${check.reason}`, { field: 'url' });
 */
export function checkDestinationUrl(url: string, opts: { development: boolean }): DestinationUrlCheck {
  const check = checkCallbackUrl(url, opts);
  if (!check.ok) return check;
  // STOW-RS paths are appended to the base; a query or fragment would end up in the middle of
  // them, and is where a secret would hide from the credential encryption.
  if (check.url.search !== '' || url.includes('?')) return { ok: false, reason: 'must not have a query (credentials go in auth)' };
  if (check.url.hash !== '' || url.includes('#')) return { ok: false, reason: 'must not have a fragment' };
  return check;
}

/**
 * The base without trailing slashes, so `${base}/studies/…` has one: DICOMweb clients are
 * given roots both ways (Orthanc's ends in /dicom-web/).
 */
export const destinationBase = (url: URL): string => url.href.replace(/\/+$/, '');
