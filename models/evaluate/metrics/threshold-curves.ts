/**
 * Dice, Sensitivity and Specificity at the 256 thresholds t = k/255 of Inf-Net's protocol, with
 * B = P >= t on the normalised prediction. Like PySODMetrics (FmeasureV2), P is binned into 256
 * levels (floor(P * 255)) with one histogram per mask class, and cumulative sums from the top give
 * the counts at every threshold in one pass instead of 256. Pure TS, no Node APIs.
 */
import type { PreparedPair } from './prepare-pair.js';

export const THRESHOLD_COUNT = 256;

/** Index k holds the counts for threshold k/255 (PySODMetrics stores them in reverse order). */
export interface ThresholdCounts {
  /** Mask-foreground pixels with level >= k. */
  tp: Float64Array;
  /** Mask-background pixels with level >= k. */
  fp: Float64Array;
  /** Foreground and background pixel counts of the mask. */
  fg: number;
  bg: number;
}

export interface ThresholdCurves {
  dice: Float64Array;
  sensitivity: Float64Array;
  specificity: Float64Array;
}

/** The histogram level of a normalised value: numpy's `(pred * 255).astype(np.uint8)`. */
export function level(p: number): number {
  const k = Math.trunc(p * 255);
  // NaN (a broken model) counts as level 0 rather than poisoning the histogram.
  return k > 0 ? (k < 255 ? k : 255) : 0;
}

export function thresholdCounts(pair: PreparedPair): ThresholdCounts {
  const fgHist = new Float64Array(THRESHOLD_COUNT);
  const bgHist = new Float64Array(THRESHOLD_COUNT);
  const { pred, fg } = pair;
  for (let i = 0; i < pred.length; i++) {
    if (fg[i]) fgHist[level(pred[i]!)]!++;
    else bgHist[level(pred[i]!)]!++;
  }
  const tp = new Float64Array(THRESHOLD_COUNT);
  const fp = new Float64Array(THRESHOLD_COUNT);
  let t = 0;
  let f = 0;
  for (let k = THRESHOLD_COUNT - 1; k >= 0; k--) {
    t += fgHist[k]!;
    f += bgHist[k]!;
    tp[k] = t;
    fp[k] = f;
  }
  return { tp, fp, fg: pair.fgCount, bg: pred.length - pair.fgCount };
}

/**
 * A ratio whose zero denominator gives 0, which is what PySODMetrics' handlers produce there.
 * Its Specificity stays TN / (TN + FP) when TP = 0 (Inf-Net's MATLAB code would write 0).
 */
const ratio = (num: number, den: number): number => (den !== 0 ? num / den : 0);

export function thresholdCurves(counts: ThresholdCounts): ThresholdCurves {
  const dice = new Float64Array(THRESHOLD_COUNT);
  const sensitivity = new Float64Array(THRESHOLD_COUNT);
  const specificity = new Float64Array(THRESHOLD_COUNT);
  const { fg, bg } = counts;
  for (let k = 0; k < THRESHOLD_COUNT; k++) {
    const tp = counts.tp[k]!;
    const fp = counts.fp[k]!;
    const fn = fg - tp;
    const tn = bg - fp;
    dice[k] = ratio(2 * tp, tp + fn + tp + fp);
    sensitivity[k] = ratio(tp, tp + fn);
    specificity[k] = ratio(tn, tn + fp);
  }
  return { dice, sensitivity, specificity };
}

/**
 * Dice of a raw probability map at one fixed threshold, without normalisation: the score of the
 * mask the product actually ships (p >= 0.5). 1 when both mask and prediction are empty.
 */
export function diceAtThreshold(prob: ArrayLike<number>, mask: ArrayLike<number>, threshold: number): number {
  if (prob.length !== mask.length) throw new RangeError(`prediction has ${prob.length} pixels; the mask has ${mask.length}`);
  let tp = 0;
  let predFg = 0;
  let maskFg = 0;
  for (let i = 0; i < prob.length; i++) {
    const b = prob[i]! >= threshold;
    const g = mask[i]! > 128;
    if (b) predFg++;
    if (g) maskFg++;
    if (b && g) tp++;
  }
  return predFg + maskFg === 0 ? 1 : (2 * tp) / (predFg + maskFg);
}
