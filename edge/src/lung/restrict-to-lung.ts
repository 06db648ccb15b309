/**
 * Infection outside the lungs is impossible, so the network's map can be cut to the lung mask,
 * widened by a small margin so a lesion at the pleura that the mask's edge clips is kept. Only
 * where two lungs were found: a failed mask restricts nothing. Whether the product does this
 * (RESTRICT_TO_LUNG) was decided on the validation split (models/evaluate, --restrict-to-lung).
 * Runtime-neutral.
 */
import type { GrayImage } from '../../../shared/image/gray-image.js';
import { lungRegion } from '../../../shared/lung/lung-mask.js';

/** The margin around the lungs, in pixels of the image the map is cut at. */
export const LUNG_MARGIN_PX = 2;

/**
 * Off: measured on the validation split (10 slices of train/, `npm run evaluate -- --names
 * models/splits/covid-semiseg-val.txt [--restrict-to-lung]`), cutting to the lung mask lowered
 * mean Dice from 0.779 to 0.673 (margin 2 px), 0.691 (6 px) and 0.717 (15 px), for specificity
 * 0.950 to 0.959, 0.958 and 0.956: the density-based mask leaves out fully consolidated lung
 * (soft-tissue density), which is exactly where the infection is.
 */
export const RESTRICT_TO_LUNG = false;

/**
 * `map` (probabilities or a mask) with every pixel outside the widened lungs set to 0; the map
 * itself when the lungs were not found. `lung.labels` must be `map`'s size.
 *
 * @example const cut = restrictToLung(prob, lungAtSize);
 */
export function restrictToLung<T extends GrayImage>(map: T, lung: { width: number; height: number; labels: Uint8Array; found: boolean }, marginPx = LUNG_MARGIN_PX): T {
  if (!lung.found) return map;
  if (lung.width !== map.width || lung.height !== map.height) throw new RangeError(`lung labels are ${lung.width}x${lung.height}, the map ${map.width}x${map.height}`);
  const region = lungRegion(lung, marginPx).data;
  const data = new Uint8Array(map.data.length);
  for (let i = 0; i < data.length; i++) data[i] = region[i] ? map.data[i]! : 0;
  return { ...map, data };
}
