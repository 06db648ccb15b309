/**
 * How much of a slice's lungs is infected: the infection mask counted inside the lung labels,
 * for both lungs together and, when Image Orientation Patient said which is which, for the
 * patient's left and right lung. Areas in mm² when the pixel spacing is known. The share is
 * a measurement on one slice, not a diagnosis. Runtime-neutral.
 */
import type { StoredLung } from './stored-lung.js';

export interface LungPart {
  /** Lung pixels of this part. */
  pixels: number;
  /** Infected pixels inside it. */
  infectedPixels: number;
  /** infectedPixels / pixels; null when the part has no pixels. */
  infectedShare: number | null;
  areaMm2?: number;
  infectedAreaMm2?: number;
}

export interface SliceInvolvement extends LungPart {
  found: boolean;
  failure?: string;
  method: StoredLung['method'];
  /** `image_orientation`: left and right come from Image Orientation Patient; `unknown`: not given. */
  sides: 'image_orientation' | 'unknown';
  left?: LungPart;
  right?: LungPart;
}

/**
 * `infection` (nonzero = infected) and `lung.labels` must be the same width x height.
 *
 * @example sliceInvolvement(mask.data, lungAtSize).infectedShare; // 0.12
 */
export function sliceInvolvement(infection: Uint8Array, lung: StoredLung): SliceInvolvement {
  const { labels } = lung;
  if (infection.length !== labels.length) throw new RangeError(`infection has ${infection.length} pixels, the lung labels ${labels.length}`);
  // counts[label] and infected[label] for labels 0, 1, 2.
  const counts = [0, 0, 0];
  const infected = [0, 0, 0];
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    counts[l]!++;
    if (infection[i] !== 0) infected[l]!++;
  }
  const pixelMm2 = lung.pixelSpacingMm ? lung.pixelSpacingMm[0] * lung.pixelSpacingMm[1] : undefined;
  const part = (pixels: number, inside: number): LungPart => ({
    pixels,
    infectedPixels: inside,
    infectedShare: pixels > 0 ? inside / pixels : null,
    ...(pixelMm2 !== undefined ? { areaMm2: pixels * pixelMm2, infectedAreaMm2: inside * pixelMm2 } : {}),
  });
  const both = part(counts[1]! + counts[2]!, infected[1]! + infected[2]!);
  const sides = lung.found && lung.sides;
  return {
    found: lung.found,
    ...(lung.failure ? { failure: lung.failure } : {}),
    method: lung.method,
    ...both,
    // A share of lungs that were not found would be a share of whatever was: say nothing instead.
    infectedShare: lung.found ? both.infectedShare : null,
    sides: sides ? 'image_orientation' : 'unknown',
    ...(sides
      ? { left: part(counts[sides.left]!, infected[sides.left]!), right: part(counts[sides.right]!, infected[sides.right]!) }
      : {}),
  };
}
