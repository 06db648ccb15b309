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
 * `infection` (nonzero = infected) is `width` x `height`, by default the lung labels' size. Labels
 * of another size are read by nearest neighbour (exactly as resizeNearest would enlarge them),
 * without making the enlarged image: a 12 MP photo's would be 12 MB and a pass of its own.
 *
 * @example sliceInvolvement(mask.data, lung, 4032, 3024).infectedShare; // 0.12
 */
export function sliceInvolvement(infection: Uint8Array, lung: StoredLung, width = lung.width, height = lung.height): SliceInvolvement {
  const { labels } = lung;
  if (infection.length !== width * height) throw new RangeError(`infection has ${infection.length} pixels for ${width}x${height}`);
  // counts[label] and infected[label] for labels 0, 1, 2.
  const counts = [0, 0, 0];
  const infected = [0, 0, 0];
  // The same sampling as shared/image/resize-nearest.ts (the identity at the labels' own size).
  const cols = new Int32Array(width);
  for (let x = 0; x < width; x++) cols[x] = Math.min(lung.width - 1, Math.floor(((x + 0.5) * lung.width) / width));
  for (let y = 0, i = 0; y < height; y++) {
    const row = Math.min(lung.height - 1, Math.floor(((y + 0.5) * lung.height) / height)) * lung.width;
    for (let x = 0; x < width; x++, i++) {
      const l = labels[row + cols[x]!]!;
      counts[l]!++;
      if (infection[i] !== 0) infected[l]!++;
    }
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
