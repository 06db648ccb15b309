/**
 * The numbers the API reports for one slice's infection mask: how many pixels are infected, what
 * fraction of the slice that is, and how many separate lesions (8-connected components) there are.
 * Runtime-neutral (Web APIs only).
 */
import { assertImageShape, type GrayImage } from '../../../shared/image/gray-image.js';
import { countComponents8 } from './connected-components.js';

export interface MaskStats {
  /** width * height of the mask. */
  totalPixels: number;
  /** Nonzero mask pixels. */
  infectedPixels: number;
  /** infectedPixels / totalPixels, in 0..1. */
  infectedFraction: number;
  /** 8-connected components of the infected pixels (diagonal neighbours join). */
  lesionCount: number;
}

/**
 * Stats of a mask (any nonzero pixel counts as infected).
 *
 * @example
 * maskStats({ width, height, data: maskFromProbability(prob.data) }).lesionCount;
 */
export function maskStats(mask: GrayImage): MaskStats {
  assertImageShape(mask, 'mask');
  const { data } = mask;
  let infectedPixels = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) infectedPixels++;
  const totalPixels = data.length;
  return {
    totalPixels,
    infectedPixels,
    infectedFraction: infectedPixels / totalPixels,
    // No pixels, no lesions: skip the labelling pass for the common clean slice.
    lesionCount: infectedPixels === 0 ? 0 : countComponents8(mask),
  };
}
