/**
 * The answer of a DICOMweb Store Transaction (STOW-RS, PS3.18 §10.5): the Store Instances
 * Response Module (PS3.18 Annex I, Table I.1-1) in the DICOM JSON Model (PS3.18 Annex F), its
 * HTTP status (Table 10.5.3-1), the Failure Reason (0008,1197) of each refusal, and which Accept
 * headers it can be given for. What addInstances reports in, what a DICOMweb client parses out.
 */
import { z } from 'zod';
import type { DecodeErrorCode } from '../decode/decoded-image.js';

/** The response module's attributes, as DICOM JSON keys (PS3.18 F.2.1: eight uppercase hex digits). */
export const StowTag = {
  RetrieveURL: '00081190',
  FailedSOPSequence: '00081198',
  ReferencedSOPSequence: '00081199',
  ReferencedSOPClassUID: '00081150',
  ReferencedSOPInstanceUID: '00081155',
  FailureReason: '00081197',
} as const;

/**
 * Failure Reason values. PS3.18 Table I.2-2 defines the first six; it allows "additional codes"
 * for other semantics, and names a Study Instance UID mismatch as a cause of 409 without giving
 * it a code.
 */
export const FailureReason = {
  /** A7xx Refused: out of resources. Used for our per-instance limits (pixels, frames, inflation). */
  OutOfResources: 0xa700,
  /** A9xx Error: Data Set does not match SOP Class (e.g. no SOP Instance UID, no image size). */
  DataSetDoesNotMatchSOPClass: 0xa900,
  /** Cxxx Error: cannot understand (not DICOM, damaged, a part that is not application/dicom). */
  CannotUnderstand: 0xc000,
  /** C122 Referenced Transfer Syntax not supported (compressed without a codec here). */
  TransferSyntaxNotSupported: 0xc122,
  /** 0110 Processing failure: a general failure (a refusal code this table does not know). */
  ProcessingFailure: 0x0110,
  /** 0122 Referenced SOP Class not supported: not an image a CT study takes (no pixel data, a mask). */
  SOPClassNotSupported: 0x0122,
  /** 0111 Duplicate SOP Instance: the DIMSE status of PS3.7 Annex C, for a SOP Instance UID the study holds. */
  DuplicateSOPInstance: 0x0111,
  /**
   * C409: the instance is of another study than the request URL's, or than the study's instances.
   * dcm4chee-arc's code for this (DIFF_STUDY_INSTANCE_UID), in the Cxxx range, so clients that know
   * that archive read it the same way here.
   */
  StudyInstanceUIDMismatch: 0xc409,
} as const;

/** Every refusal code addInstances can report: read-instance-parts, the decoder, add-instances, the study. */
export type RejectionCode =
  | DecodeErrorCode
  | 'empty_part'
  | 'unsupported_part_type'
  | 'unsupported_zip_entry'
  | 'too_many_frames'
  | 'study_uid_mismatch'
  | 'duplicate_instance'
  | 'wrong_study'
  | 'no_sop_instance_uid';

/** One entry per code, so a new refusal code does not compile until it is given a Failure Reason. */
const REASON_OF: Record<RejectionCode, number> = {
  unsupported_media_type: FailureReason.CannotUnderstand,
  unsupported_transfer_syntax: FailureReason.TransferSyntaxNotSupported,
  image_too_large: FailureReason.OutOfResources,
  image_dimensions_invalid: FailureReason.DataSetDoesNotMatchSOPClass,
  image_truncated: FailureReason.CannotUnderstand,
  image_corrupt: FailureReason.CannotUnderstand,
  image_inflates_too_large: FailureReason.OutOfResources,
  no_pixel_data: FailureReason.SOPClassNotSupported,
  unsupported_image_kind: FailureReason.SOPClassNotSupported,
  encapsulation_corrupt: FailureReason.CannotUnderstand,
  codestream_truncated: FailureReason.CannotUnderstand,
  codestream_corrupt: FailureReason.CannotUnderstand,
  codestream_mismatch: FailureReason.CannotUnderstand,
  frame_missing: FailureReason.CannotUnderstand,
  frame_out_of_range: FailureReason.CannotUnderstand,
  frame_count_mismatch: FailureReason.CannotUnderstand,
  empty_part: FailureReason.CannotUnderstand,
  unsupported_part_type: FailureReason.CannotUnderstand,
  unsupported_zip_entry: FailureReason.CannotUnderstand,
  too_many_frames: FailureReason.OutOfResources,
  study_uid_mismatch: FailureReason.StudyInstanceUIDMismatch,
  wrong_study: FailureReason.StudyInstanceUIDMismatch,
  duplicate_instance: FailureReason.DuplicateSOPInstance,
  no_sop_instance_uid: FailureReason.DataSetDoesNotMatchSOPClass,
};

/**
 * The Failure Reason (0008,1197) for one of our refusal codes; 0110 processing failure for a code
 * it does not know.
 * @example failureReason('duplicate_instance') // 0x0111
 */
export function failureReason(code: string): number {
  return Object.hasOwn(REASON_OF, code) ? REASON_OF[code as RejectionCode] : FailureReason.ProcessingFailure;
}

// ---- the DICOM JSON shape (PS3.18 F.2.2: an attribute is its vr and, unless empty, its Value) ----

const attribute = <V extends string, T extends z.ZodType>(vr: V, value: T) => z.object({ vr: z.literal(vr), Value: z.array(value).min(1).optional() });
const UI = attribute('UI', z.string());
const UR = attribute('UR', z.string());
const US = attribute('US', z.number().int().min(0).max(0xffff));

const ReferencedSOP = z
  .object({
    [StowTag.ReferencedSOPClassUID]: UI,
    [StowTag.ReferencedSOPInstanceUID]: UI,
    [StowTag.RetrieveURL]: UR.meta({ description: 'Retrieve URL (0008,1190), type 2: empty, as the study has no WADO-RS retrieve of its instances.' }),
  })
  .meta({ description: 'An instance stored: its SOP Class and SOP Instance UIDs.' });

const FailedSOP = z
  .object({
    [StowTag.ReferencedSOPClassUID]: UI.optional(),
    [StowTag.ReferencedSOPInstanceUID]: UI.optional(),
    [StowTag.FailureReason]: US,
  })
  .meta({ description: 'An instance not stored: its UIDs when its header could be read, and the Failure Reason (0008,1197).' });

export const StowResponse = z
  .object({
    [StowTag.RetrieveURL]: UR.meta({ description: 'Retrieve URL (0008,1190), type 2: empty.' }),
    [StowTag.FailedSOPSequence]: z.object({ vr: z.literal('SQ'), Value: z.array(FailedSOP).min(1) }).optional(),
    [StowTag.ReferencedSOPSequence]: z.object({ vr: z.literal('SQ'), Value: z.array(ReferencedSOP).min(1) }).optional(),
  })
  .meta({
    id: 'StowResponse',
    description:
      'Store Instances Response Module (PS3.18 Table I.1-1) in DICOM JSON. Failure Reason values: 0xA700 (42752) a limit (pixels, frames); 0xA900 (43264) no SOP Instance UID or image size; 0xC000 (49152) not DICOM, damaged, or a part that is not application/dicom; 0xC122 (49442) transfer syntax without a codec; 0x0122 (290) not an image (no pixel data, a mask); 0x0111 (273) SOP Instance UID already in the study; 0xC409 (50185) another study than the URL\'s or the study\'s; 0x0110 (272) anything else.',
  });
export type StowResponse = z.infer<typeof StowResponse>;

/**
 * What an upload stored and refused, as addInstances reports it (declared here by shape, so this
 * module stays free of the Worker-only study modules and its tests run in Node).
 */
export interface StowOutcome {
  stored: { sopInstanceUID: string; sopClassUID?: string }[];
  rejected: { code: string; sopInstanceUID?: string; sopClassUID?: string }[];
}

/** The DICOM JSON media type STOW-RS answers in (PS3.18 §8.7.3.5.2). */
export const DICOM_JSON = 'application/dicom+json';

const uid = (value: string | undefined) => (value ? { vr: 'UI' as const, Value: [value] } : { vr: 'UI' as const });
const EMPTY_URL = { vr: 'UR' as const };

function failedItem(r: StowOutcome['rejected'][number]): z.infer<typeof FailedSOP> {
  return {
    ...(r.sopClassUID ? { [StowTag.ReferencedSOPClassUID]: uid(r.sopClassUID) } : {}),
    ...(r.sopInstanceUID ? { [StowTag.ReferencedSOPInstanceUID]: uid(r.sopInstanceUID) } : {}),
    [StowTag.FailureReason]: { vr: 'US', Value: [failureReason(r.code)] },
  };
}

/**
 * The STOW-RS answer for what an upload stored and refused: 200 when all were stored, 202 when
 * some were (the failed ones in the Failed SOP Sequence), 409 when none was (PS3.18 Table
 * 10.5.3-1). The sequences are type 1C, so an empty one is left out, not sent empty.
 *
 * @example
 * const { status, body } = stowResponse(await addInstances(c, study));
 * return c.body(JSON.stringify(body), status, { 'content-type': DICOM_JSON });
 */
export function stowResponse(added: StowOutcome): { status: 200 | 202 | 409; body: StowResponse } {
  const body: StowResponse = { [StowTag.RetrieveURL]: EMPTY_URL };
  if (added.rejected.length > 0) body[StowTag.FailedSOPSequence] = { vr: 'SQ', Value: added.rejected.map(failedItem) };
  if (added.stored.length > 0) {
    body[StowTag.ReferencedSOPSequence] = {
      vr: 'SQ',
      Value: added.stored.map((s) => ({ [StowTag.ReferencedSOPClassUID]: uid(s.sopClassUID), [StowTag.ReferencedSOPInstanceUID]: uid(s.sopInstanceUID), [StowTag.RetrieveURL]: EMPTY_URL })),
    };
  }
  const status = added.rejected.length === 0 ? 200 : added.stored.length > 0 ? 202 : 409;
  return { status, body };
}

/** Media ranges an Accept header may name for the STOW-RS answer: DICOM JSON is also JSON. */
const ACCEPTABLE = new Set([DICOM_JSON, 'application/json', 'application/*', '*/*']);

/**
 * Whether the answer can be given for this Accept header (RFC 9110 §12.5.1): absent, or naming
 * DICOM JSON, JSON or a wildcard over them with a q-value above 0. `application/dicom+xml`, the
 * other STOW-RS answer, is not produced.
 * @example acceptsStowResponse('application/dicom+xml') // false
 */
export function acceptsStowResponse(accept: string | null | undefined): boolean {
  if (accept === null || accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return ACCEPTABLE.has(type ?? '') && (q === undefined || Number(q.slice(2)) > 0);
  });
}
