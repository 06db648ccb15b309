/**
 * Scores one prediction against its mask, and aggregates a set the way Inf-Net's protocol and
 * PySODMetrics do: curves are averaged over images at each threshold, then over the 256
 * thresholds; S-measure and MAE are plain means over images. Pure TS, no Node APIs.
 */
import { eMeasureCurve } from './e-measure.js';
import { meanAbsoluteError } from './mae.js';
import { preparePair } from './prepare-pair.js';
import { sMeasure } from './s-measure.js';
import { THRESHOLD_COUNT, thresholdCounts, thresholdCurves } from './threshold-curves.js';

/** The six numbers the field reports for a set (and, per image, for one slice). */
export interface Scores {
  meanDice: number;
  meanSensitivity: number;
  meanSpecificity: number;
  sMeasure: number;
  meanEMeasure: number;
  mae: number;
}

export interface ImageScores extends Scores {
  /** Curves over the thresholds k/255, index k. */
  curves: { dice: Float64Array; sensitivity: Float64Array; specificity: Float64Array; eMeasure: Float64Array };
}

const mean = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
};

/**
 * @param prediction probabilities in 0..1 at the mask's size (min-max normalised here)
 * @param mask 8-bit ground truth, foreground > 128
 * @example
 * const s = scoreImage(prob.data, mask.data, mask.width, mask.height);
 */
export function scoreImage(prediction: ArrayLike<number>, mask: ArrayLike<number>, width: number, height: number): ImageScores {
  const pair = preparePair(prediction, mask, width, height);
  const counts = thresholdCounts(pair);
  const { dice, sensitivity, specificity } = thresholdCurves(counts);
  const eMeasure = eMeasureCurve(counts);
  return {
    meanDice: mean(dice),
    meanSensitivity: mean(sensitivity),
    meanSpecificity: mean(specificity),
    sMeasure: sMeasure(pair),
    meanEMeasure: mean(eMeasure),
    mae: meanAbsoluteError(pair),
    curves: { dice, sensitivity, specificity, eMeasure },
  };
}

/** Mean over images at each threshold (numpy's `mean(axis=0)` in PySODMetrics' get_results). */
function meanCurve(images: readonly ImageScores[], key: keyof ImageScores['curves']): Float64Array {
  const out = new Float64Array(THRESHOLD_COUNT);
  for (const img of images) {
    const c = img.curves[key];
    for (let k = 0; k < THRESHOLD_COUNT; k++) out[k]! += c[k]!;
  }
  for (let k = 0; k < THRESHOLD_COUNT; k++) out[k]! /= images.length;
  return out;
}

/**
 * Aggregates per-image scores into the set's scores.
 *
 * @example
 * const set = aggregateScores(slices.map((s) => scoreImage(s.prob, s.mask, s.width, s.height)));
 */
export function aggregateScores(images: readonly ImageScores[]): Scores & { curves: ImageScores['curves'] } {
  if (images.length === 0) throw new RangeError('no images to score');
  const curves = {
    dice: meanCurve(images, 'dice'),
    sensitivity: meanCurve(images, 'sensitivity'),
    specificity: meanCurve(images, 'specificity'),
    eMeasure: meanCurve(images, 'eMeasure'),
  };
  return {
    meanDice: mean(curves.dice),
    meanSensitivity: mean(curves.sensitivity),
    meanSpecificity: mean(curves.specificity),
    sMeasure: mean(images.map((i) => i.sMeasure)),
    meanEMeasure: mean(curves.eMeasure),
    mae: mean(images.map((i) => i.mae)),
    curves,
  };
}
