/**
 * From a slice's probability map at model size to what the caller gets: the map at the upload's
 * size, the 0/255 mask and its statistics (always from the mask), and one PNG: the mask, or the
 * probability map when asked for. Runs for hits and misses alike, so both answer identically.
 */
import type { CachedInference } from '../cache/mask-cache.js';
import { encodeGrayPng } from '../imaging/encode-png.js';
import { maskStats, type MaskStats } from '../imaging/mask-stats.js';
import { maskFromProbability, probabilityAtOriginalSize } from '../imaging/probability-map.js';

export interface RenderedSlice {
  stats: MaskStats;
  png: Uint8Array;
}

export async function renderSliceResult(inference: CachedInference, inputSize: number, probability: boolean): Promise<RenderedSlice> {
  const prob = probabilityAtOriginalSize(inference.probability, inputSize, inference.originalWidth, inference.originalHeight);
  const mask = { width: prob.width, height: prob.height, data: maskFromProbability(prob.data) };
  const stats = maskStats(mask);
  const png = await encodeGrayPng(probability ? prob : mask);
  return { stats, png };
}
