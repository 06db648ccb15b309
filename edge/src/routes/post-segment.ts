/**
 * `POST /v1/segment`: one slice as the raw body or a series as multipart, answered as JSON
 * (one SliceResult, or a SeriesResult in upload order) or, with `Accept: image/png` for a single
 * slice, as the PNG itself. Authentication, scope and rate limits run before this handler.
 */
import { Hono } from 'hono';
import { mediaType } from '../../../shared/media-type.js';
import { lungFigures } from '../api/lung-figures.js';
import { maskOutputOf, parseSegmentQuery } from '../api/segment-query.js';
import type { SliceResult } from '../api/segment-response.js';
import { MaskCache } from '../cache/mask-cache.js';
import { EdgeError } from '../http/edge-error.js';
import type { EdgeEnv } from '../http/edge-env.js';
import { withUploadQuota } from '../quota/rate-limit.js';
import { LABEL_VALUES, renderSliceResult } from '../pipeline/render-slice-result.js';
import { inferSlices } from '../pipeline/infer-slices.js';
import { gpuWorkerPoolFor } from '../fanout/pool-registry.js';
import { readSlices } from '../upload/read-slices.js';
import { segmentTargets } from '../upload/segment-targets.js';
import { bytesToBase64 } from '../imaging/base64.js';

const LEGEND = Object.fromEntries(Object.entries(LABEL_VALUES).map(([name, value]) => [String(value), name])) as Record<string, keyof typeof LABEL_VALUES>;

/** True when the client asked for the PNG itself rather than JSON. */
function wantsPng(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map(mediaType);
  const png = types.indexOf('image/png');
  const json = types.indexOf('application/json');
  return png !== -1 && (json === -1 || png < json);
}

export const postSegmentRoute = new Hono<EdgeEnv>().post('/', async (c) => {
  const config = c.var.config;
  const principal = c.var.principal;
  const options = parseSegmentQuery(new URL(c.req.url).searchParams);
  const png = wantsPng(c.req.header('accept'));
  const { shape, slices } = await readSlices(c.req.raw, config.maxSlicesPerRequest, config.bodyTimeoutMs);
  const fieldOf = (i: number): string => (shape === 'raw' ? 'body' : `file[${i}]`);
  const targets = await segmentTargets(slices, options.frame, config.maxSlicesPerRequest, fieldOf);
  // frame=all answers a series even for one raw body: how many frames it has is the file's business.
  const series = shape === 'multipart' || options.frame === 'all';
  if (png && (series || targets.length !== 1)) {
    throw new EdgeError(406, 'not_acceptable', `Accept: image/png returns one slice, this upload has ${targets.length}; ask for application/json`, { field: 'accept' });
  }
  // An upload token pays for the slices it is answered for: a failure below gives them back.
  return withUploadQuota(c, targets.length, async () => {
    const pool = gpuWorkerPoolFor(config);
    const inferences = await inferSlices(
      targets,
      {
        tenant: principal.tenant,
        model: { name: config.model.name, version: config.model.version },
        inputSize: config.model.inputSize,
        window: options.window,
        cache: new MaskCache(c.env.MASKS, config.cacheTtlMs, config.model.inputSize),
        infer: (inputs) => pool.infer(inputs, { requestId: c.var.requestId, signal: c.req.raw.signal }),
        requestId: c.var.requestId,
        // As long as the pool may take for the same slices (its deadline is two call timeouts).
        coalesceWaitMs: 2 * config.workerTimeoutMs,
      },
      fieldOf,
    );
    c.header('x-cache', inferences.every((s) => s.cached) ? 'HIT' : 'MISS');

    const output = maskOutputOf(options);
    const results: SliceResult[] = [];
    for (const [index, inference] of inferences.entries()) {
      const spacing = inference.lung.pixelSpacingMm;
      const r = await renderSliceResult(inference, config.model.inputSize, output);
      if (png) {
        return c.body(r.png as Uint8Array<ArrayBuffer>, 200, {
          'content-type': 'image/png',
          'x-model-version': `${inference.model.name}@${inference.model.version}`,
          'x-image-sha256': inference.sha256,
          'x-infected-fraction': String(r.stats.infectedFraction),
          ...(r.lung.infectedShare !== null ? { 'x-lung-infected-share': String(r.lung.infectedShare) } : {}),
          'x-lesion-count': String(r.stats.lesionCount),
        });
      }
      results.push({
        index: targets[index]!.uploadIndex,
        ...(options.frameGiven ? { frame: targets[index]!.frame } : {}),
        sha256: inference.sha256,
        cached: inference.cached,
        model: inference.model,
        width: inference.originalWidth,
        height: inference.originalHeight,
        infectedPixels: r.stats.infectedPixels,
        infectedFraction: r.stats.infectedFraction,
        ...(spacing ? { pixelSpacingMm: spacing, infectedAreaMm2: Math.round(r.stats.infectedPixels * spacing[0] * spacing[1] * 100) / 100 } : {}),
        lesionCount: r.stats.lesionCount,
        lung: lungFigures(r.lung),
        mask: {
          kind: output === 'mask' ? 'binary' : output === 'probability' ? 'probability' : 'labels',
          ...(output === 'lung' || output === 'lung+infection' ? { legend: LEGEND } : {}),
          contentType: 'image/png',
          encoding: 'base64',
          data: bytesToBase64(r.png),
        },
      });
    }
    return c.json(series ? { slices: results } : results[0]!);
  });
});
