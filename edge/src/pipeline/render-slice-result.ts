/**
 * From a slice's probability map at model size to what the caller gets: the map at the upload's
 * size (cut to the lungs where they were found: lung/restrict-to-lung.ts), the 0/255 mask and its
 * statistics (always from the mask), the lung figures, and one PNG: the mask, the probability
 * map, or a label map with the lung. Runs for hits and misses alike, so both answer identically.
 */
import type { CachedInference } from '../cache/mask-cache.js';
import { resizeNearest } from '../../../shared/image/resize-nearest.js';
import { encodeGrayPng } from '../imaging/encode-png.js';
import { maskStats, type MaskStats } from '../imaging/mask-stats.js';
import { maskFromProbability, probabilityAtOriginalSize } from '../imaging/probability-map.js';
import { sliceInvolvement, type SliceInvolvement } from '../lung/lung-involvement.js';
import { RESTRICT_TO_LUNG, restrictToLung } from '../lung/restrict-to-lung.js';
import type { StoredLung } from '../lung/stored-lung.js';

/** Values of a label-map PNG (`?labels=lung,infection`): the integer label-map convention. */
export const LABEL_VALUES = { background: 0, lung: 1, infection: 2 } as const;

/**
 * What the PNG holds: `mask` the 0/255 infection mask, `probability` the 8-bit map, `lung` and
 * `lung+infection` a label map (LABEL_VALUES) with the lungs, and the infection over them.
 */
export type MaskOutput = 'mask' | 'probability' | 'lung' | 'lung+infection';

export interface RenderedSlice {
  stats: MaskStats;
  lung: SliceInvolvement;
  png: Uint8Array;
}

export async function renderSliceResult(inference: CachedInference, inputSize: number, output: MaskOutput = 'mask'): Promise<RenderedSlice> {
  const { stats, lung, pngs } = await renderSliceOutputs(inference, inputSize, [output]);
  return { stats, lung, png: pngs[output]! };
}

/** renderSliceResult for several PNGs of one slice at once (a study stores the mask and its label maps). */
export async function renderSliceOutputs(
  inference: CachedInference,
  inputSize: number,
  outputs: readonly MaskOutput[],
): Promise<{ stats: MaskStats; lung: SliceInvolvement; pngs: Partial<Record<MaskOutput, Uint8Array>> }> {
  const { originalWidth: width, originalHeight: height } = inference;
  // The labels at the answer's size only where an image needs them (they are made at most 256 across).
  let sized: StoredLung | undefined;
  const lung = (): StoredLung => (sized ??= lungAtSize(inference.lung, width, height));
  const raw = probabilityAtOriginalSize(inference.probability, inputSize, width, height);
  const prob = RESTRICT_TO_LUNG ? restrictToLung(raw, lung()) : raw;
  const mask = { width, height, data: maskFromProbability(prob.data) };
  const stats = maskStats(mask);
  const involvement = sliceInvolvement(mask.data, inference.lung, width, height);
  const pngs: Partial<Record<MaskOutput, Uint8Array>> = {};
  for (const output of outputs) {
    const image = output === 'mask' ? mask : output === 'probability' ? prob : { width, height, data: labelMap(lung().labels, output === 'lung+infection' ? mask.data : undefined) };
    pngs[output] = await encodeGrayPng(image);
  }
  return { stats, lung: involvement, pngs };
}

/** The lung labels at the answer's size (they are made at most LUNG_MASK_MAX_SIDE across). */
function lungAtSize(lung: StoredLung, width: number, height: number): StoredLung {
  if (lung.width === width && lung.height === height) return lung;
  const labels = resizeNearest({ width: lung.width, height: lung.height, data: lung.labels }, width, height).data;
  return { ...lung, width, height, labels };
}

function labelMap(lungLabels: Uint8Array, infection: Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(lungLabels.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = infection && infection[i] !== 0 ? LABEL_VALUES.infection : lungLabels[i] !== 0 ? LABEL_VALUES.lung : LABEL_VALUES.background;
  }
  return out;
}
