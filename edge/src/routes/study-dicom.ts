/**
 * A study's results as DICOM, for a PACS: GET /v1/studies/{id}/series/{seriesUid}/seg (the
 * segmentation) and .../sr (the measurement report that references it), both application/dicom
 * Part 10 files, built on request (dicom-out/study-dicom-objects.ts). They carry the patient's
 * identity from the source instances, so they are never cached by anyone on the way.
 */
import { Hono, type Context } from 'hono';
import { seriesDicomObjects } from '../dicom-out/study-dicom-objects.js';
import { EdgeError } from '../http/edge-error.js';
import type { EdgeEnv } from '../http/edge-env.js';
import { studyNotFound, studyOf } from '../studies/study-of-request.js';
import { mediaType } from '../../../shared/media-type.js';

/** Whether the Accept header allows application/dicom (absent, any type, any application type, or itself). */
function acceptsDicom(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((range) => ['application/dicom', 'application/*', '*/*'].includes(mediaType(range)));
}

async function dicomObject(c: Context<EdgeEnv>, kind: 'seg' | 'sr'): Promise<Response> {
  if (!acceptsDicom(c.req.header('accept'))) throw new EdgeError(406, 'not_acceptable', 'this resource is application/dicom', { field: 'accept' });
  const snapshot = await studyOf(c).stub.snapshot();
  if (!snapshot) throw studyNotFound();
  const objects = await seriesDicomObjects(c.env.STUDIES, snapshot, c.req.param('seriesUid') ?? '', c.var.config.model, [kind]);
  const object = objects.find((o) => o.kind === kind);
  if (!object) throw new EdgeError(409, 'series_not_ready', 'no lung figures for this series (no pixel or slice spacing), so there is no report', { field: 'seriesUid' });
  return c.body(object.bytes as Uint8Array<ArrayBuffer>, 200, {
    'content-type': 'application/dicom',
    'content-disposition': `attachment; filename="${kind}.dcm"`,
  });
}

export const studyDicomRoute = new Hono<EdgeEnv>()
  .get('/:id/series/:seriesUid/seg', (c) => dicomObject(c, 'seg'))
  .get('/:id/series/:seriesUid/sr', (c) => dicomObject(c, 'sr'));
