/**
 * The lung mask of a CT slice in Hounsfield units, the classical way: low density is below
 * LOW_DENSITY_HU, then the steps both methods share (lungs-from-low-density.ts) with every size in mm
 * from the pixel spacing. Runtime-neutral.
 */
import { assertImageShape } from '../image/gray-image.js';
import type { LungMask } from './lung-mask.js';
import { lungsFromLowDensity, type LungSizes } from './lungs-from-low-density.js';

/**
 * Air (−1000) and aerated lung (about −850) lie below it; soft tissue (+20..+60), fat (about
 * −100) and vessels above. Classical masks cut at about −500; COVID-19 lungs need more, as their
 * ground glass (−700..−300) and much of their consolidation belong inside. On covid-semiseg train
 * slices turned to HU through their measured window (DEFAULT_LUNG_WINDOW, −405/1375), −225 put
 * 86.0 % of the infection inside the mask with both lungs found in 50 of 50, against 79.9 % at −300
 * and 72.8 % (49 of 50) at −400; at −150 a slice's body was lost (49 of 50)
 * (models/lung/measure-lung-mask.ts, `npm run measure:lung`).
 */
export const LOW_DENSITY_HU = -225;
/** Spacing assumed when the header gives none: a typical adult chest CT (350 mm field, 512 px). */
export const DEFAULT_SPACING_MM: readonly [number, number] = [0.7, 0.7];
/**
 * A body has at least this much tissue (40 cm², e.g. a 20 mm chest wall around a 20 cm circle
 * would be 120 cm²): less is a phantom, a scout or an empty slice. Low, because images cropped to
 * the lungs keep little of the body and their spacing is guessed.
 */
export const MIN_BODY_AREA_MM2 = 4_000;
/** Tissue regions below this (5 cm²) are not part of the body's outline: text overlays, table rails, noise. */
export const MIN_BODY_PART_AREA_MM2 = 500;
/**
 * A lung is at least this large (10 cm²): the trachea (about 2–3 cm²), main bronchi, the
 * oesophagus and bowel gas are smaller; a lung's apex or base can be too, and is then missed.
 */
export const MIN_LUNG_AREA_MM2 = 1_000;
/** A lung holds a disk of this radius (5 mm): a slit of air between tissue layers does not. */
export const MIN_LUNG_THICKNESS_MM = 5;
/**
 * Closing radius: bays up to about 2 x 10 mm wide at a lung's edge (a subpleural consolidation,
 * ground glass against the chest wall) are filled back in; much more would bridge the lung to
 * the mediastinum's concavities.
 */
export const CLOSE_RADIUS_MM = 10;
/**
 * A lung's convex-hull bays on its chest-wall side are put back up to this far from the lung:
 * subpleural consolidations wider than the closing's disk (lungs-from-low-density.ts).
 */
export const MAX_BAY_DEPTH_MM = 20;
/** Touching lungs meet at a junction a few mm thick; a bridge needing more erosion than this is one lung. */
export const MAX_SPLIT_RADIUS_MM = 8;

export interface HounsfieldOptions {
  /** [row spacing, column spacing] in mm (DICOM Pixel Spacing (0028,0030), rows first). */
  pixelSpacingMm?: readonly [number, number];
}

/**
 * @example
 * const lung = lungMaskFromHounsfield({ width: 512, height: 512, data: hu }, { pixelSpacingMm: [0.7, 0.7] });
 * if (lung.found) console.log(lung.lungs.map((l) => l.pixels));
 */
export function lungMaskFromHounsfield(image: { width: number; height: number; data: Float32Array }, opts: HounsfieldOptions = {}): LungMask {
  assertImageShape(image);
  const spacing = opts.pixelSpacingMm ?? DEFAULT_SPACING_MM;
  if (!(spacing[0] > 0 && spacing[1] > 0 && Number.isFinite(spacing[0]) && Number.isFinite(spacing[1]))) {
    throw new RangeError(`pixelSpacingMm must be two positive numbers, got [${spacing.join(', ')}]`);
  }
  const { data } = image;
  const low = new Uint8Array(data.length);
  // NaN (padding some decoders leave) counts as tissue: it must not open a path of "air".
  for (let i = 0; i < low.length; i++) low[i] = data[i]! < LOW_DENSITY_HU ? 1 : 0;
  const sizes: LungSizes = {
    spacing,
    minBodyArea: MIN_BODY_AREA_MM2,
    minBodyPartArea: MIN_BODY_PART_AREA_MM2,
    minLungArea: MIN_LUNG_AREA_MM2,
    minLungThickness: MIN_LUNG_THICKNESS_MM,
    closeRadius: CLOSE_RADIUS_MM,
    maxSplitRadius: MAX_SPLIT_RADIUS_MM,
    maxBayDepth: MAX_BAY_DEPTH_MM,
  };
  return lungsFromLowDensity({ width: image.width, height: image.height, data: low }, 'hounsfield', sizes);
}
