/**
 * Reads a destination's STOW-RS answer body (PS3.18 §10.5.3, the Store Instances Response Module
 * of Annex I) in its DICOM JSON form (Annex F): which SOP instances failed, with their Failure
 * Reason, and which were referenced as stored. studies/stow-response.ts writes the same module
 * for our own STOW-RS endpoint with a strict schema; a PACS's answer is read leniently instead
 * (vr missing, extra attributes, an array around the dataset): a body that is not what the
 * standard says only loses detail, it never makes a stored instance look failed.
 */
import { z } from 'zod';
import { StowTag } from '../studies/stow-response.js';

export interface FailedInstance {
  sopInstanceUID: string;
  /** (0008,1197) Failure Reason (PS3.18 Table I.2-2; FailureReason in studies/stow-response.ts names them). */
  reason?: number;
}

export interface StowResponse {
  failed: FailedInstance[];
  referenced: string[];
}

const Element = z.object({ Value: z.array(z.unknown()).optional() });
const Item = z.record(z.string(), z.unknown());

function items(dataset: Record<string, unknown>, tag: string): Record<string, unknown>[] {
  const element = Element.safeParse(dataset[tag]);
  if (!element.success) return [];
  return (element.data.Value ?? []).flatMap((v) => {
    const item = Item.safeParse(v);
    return item.success ? [item.data] : [];
  });
}

function first(dataset: Record<string, unknown>, tag: string): unknown {
  const element = Element.safeParse(dataset[tag]);
  return element.success ? element.data.Value?.[0] : undefined;
}

/**
 * The failed and referenced instances a STOW-RS response names; empty lists for a body that is
 * empty, not JSON, or not a dataset.
 *
 * @example
 * parseStowResponse(await res.text()).failed // [{ sopInstanceUID: '1.2.3', reason: 0x0110 }]
 */
export function parseStowResponse(body: string): StowResponse {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { failed: [], referenced: [] };
  }
  // DICOM JSON is an array of datasets for QIDO, a single dataset for STOW; take either.
  const dataset = Item.safeParse(Array.isArray(json) ? json[0] : json);
  if (!dataset.success) return { failed: [], referenced: [] };
  const failed = items(dataset.data, StowTag.FailedSOPSequence).flatMap((item): FailedInstance[] => {
    const uid = first(item, StowTag.ReferencedSOPInstanceUID);
    const reason = first(item, StowTag.FailureReason);
    return typeof uid === 'string' ? [{ sopInstanceUID: uid, ...(typeof reason === 'number' ? { reason } : {}) }] : [];
  });
  const referenced = items(dataset.data, StowTag.ReferencedSOPSequence).flatMap((item) => {
    const uid = first(item, StowTag.ReferencedSOPInstanceUID);
    return typeof uid === 'string' ? [uid] : [];
  });
  return { failed, referenced };
}

/** A Failure Reason as DICOM writes status codes: four hex digits and H (0110H). */
export const reasonText = (reason: number | undefined): string => (reason === undefined ? 'no reason given' : `FailureReason ${reason.toString(16).toUpperCase().padStart(4, '0')}H`);
