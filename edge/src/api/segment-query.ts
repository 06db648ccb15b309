/**
 * The one parser of `POST /v1/segment`'s query string: a zod schema (which /openapi.json also
 * describes the parameters from) and the function the route calls. The window's parameters and
 * the rules between them come from imaging/window.ts.
 */
import { z } from 'zod';
import { issueField } from '../../../shared/zod-issue.js';
import { EdgeError } from '../http/edge-error.js';
import type { MaskOutput } from '../pipeline/render-slice-result.js';
import { WINDOW_QUERY_FIELDS, windowOptionFromQuery, type WindowOption } from '../imaging/window.js';

const flag = z
  .enum(['0', '1', 'true', 'false'])
  .transform((v) => v === '1' || v === 'true')
  .optional();

/** DICOM frame numbers start at 1 (PS3.3 C.7.6.6); 5 digits covers any NumberOfFrames the pixel cap allows. */
const frameNumber = z
  .string()
  .regex(/^([1-9][0-9]{0,4}|all)$/, 'must be a frame number from 1, or all')
  .transform((v): number | 'all' => (v === 'all' ? 'all' : Number(v)))
  .optional();

/** Which labels the mask PNG holds; order and repetition do not matter (`infection,lung` = `lung,infection`). */
export const LabelsParam = z
  .string()
  .regex(/^(lung|infection)(,(lung|infection))*$/, 'must be infection, lung, or lung,infection')
  .transform((v): 'infection' | 'lung' | 'lung+infection' => {
    const set = new Set(v.split(','));
    return set.has('lung') ? (set.has('infection') ? 'lung+infection' : 'lung') : 'infection';
  })
  .optional();

const SEGMENT_QUERY_FIELDS = {
  probability: flag.meta({ description: 'Return the 8-bit probability map (0..255 = p * 255) instead of the 0/255 mask.' }),
  labels: LabelsParam.meta({
    description:
      'What the mask holds. `infection` (default): the 0/255 infection mask. `lung,infection`: a label map, 0 background, 1 lung, 2 infection (the integer label-map convention, not for viewing as is). `lung`: the same label map without the infection. Not with `probability`.',
  }),
  frame: frameNumber.meta({
    description:
      'Which frame of a multi-frame DICOM upload to segment, from 1 (DICOM frame numbers), or `all`: every frame of every upload, answered as a series with `frame` in each result. Default 1.',
  }),
  ...WINDOW_QUERY_FIELDS,
};

/** Unknown parameters are ignored (clients add cache busters and tracking ids). */
export const SegmentQuery = z.object(SEGMENT_QUERY_FIELDS).transform((q, ctx) => {
  if (q.probability && q.labels && q.labels !== 'infection') {
    ctx.addIssue({ code: 'custom', path: ['labels'], message: 'labels with the lung is a label map; it cannot also be the probability map (drop probability or labels)' });
  }
  return {
    probability: q.probability ?? false,
    labels: q.labels ?? 'infection',
    frame: q.frame ?? 1,
    frameGiven: q.frame !== undefined,
    window: windowOptionFromQuery(q, ctx),
  };
});
export type SegmentOptions = {
  probability: boolean;
  labels: 'infection' | 'lung' | 'lung+infection';
  frame: number | 'all';
  frameGiven: boolean;
  window: WindowOption;
};

/**
 * `?labels=` alone (a study's mask URL): 'infection' when absent; EdgeError 400 naming `labels`
 * for a bad value or one given twice.
 * @example parseLabelsParam(new URL(c.req.url).searchParams) // 'lung+infection' for ?labels=lung,infection
 */
export function parseLabelsParam(params: URLSearchParams): 'infection' | 'lung' | 'lung+infection' {
  const all = params.getAll('labels');
  if (all.length > 1) throw new EdgeError(400, 'invalid_parameter', `labels is given ${all.length} times; give it once`, { field: 'labels' });
  const parsed = LabelsParam.safeParse(all[0]);
  if (!parsed.success) throw new EdgeError(400, 'invalid_parameter', `query parameter labels: ${parsed.error.issues[0]!.message}`, { field: 'labels' });
  return parsed.data ?? 'infection';
}

/** The PNG a request's options ask for. */
export function maskOutputOf(o: Pick<SegmentOptions, 'probability' | 'labels'>): MaskOutput {
  return o.labels !== 'infection' ? o.labels : o.probability ? 'probability' : 'mask';
}

/**
 * The options a request's query asks for. Throws EdgeError 400 `invalid_parameter` naming the
 * parameter: a known one given twice (which value wins would depend on the proxy), a bad value,
 * or a combination the window rules refuse.
 *
 * @example
 * parseSegmentQuery(new URL(c.req.url).searchParams); // { probability: false, frame: 1, frameGiven: false, window: { kind: 'lung' } }
 */
export function parseSegmentQuery(params: URLSearchParams): SegmentOptions {
  const record: Record<string, string> = {};
  for (const name of Object.keys(SEGMENT_QUERY_FIELDS)) {
    const all = params.getAll(name);
    if (all.length > 1) throw new EdgeError(400, 'invalid_parameter', `${name} is given ${all.length} times; give it once`, { field: name });
    if (all[0] !== undefined) record[name] = all[0];
  }
  const parsed = SegmentQuery.safeParse(record);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issueField(issue);
  // The window rules write whole sentences; zod's own per-field messages get the parameter's name in front.
  const message = issue.code === 'custom' || issue.message.startsWith(field) ? issue.message : `query parameter ${field}: ${issue.message}`;
  throw new EdgeError(400, 'invalid_parameter', message, { field });
}
