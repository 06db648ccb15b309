/**
 * Enhanced-alignment measure (Fan et al., IJCAI 2018) at the 256 thresholds, computed from the
 * threshold counts the way PySODMetrics' `cal_em_with_cumsumhistogram` does: a binary map and
 * a binary mask take only two values each, so the enhanced-alignment matrix has at most four
 * distinct values and its sum is four counts times four constants. Pure TS, no Node APIs.
 */
import { EPS } from './prepare-pair.js';
import { THRESHOLD_COUNT, type ThresholdCounts } from './threshold-curves.js';

/** E-measure at each threshold k/255 (index k). */
export function eMeasureCurve(counts: ThresholdCounts): Float64Array {
  const { fg: gtFg, bg } = counts;
  const size = gtFg + bg;
  const curve = new Float64Array(THRESHOLD_COUNT);
  const meanGt = gtFg / size;
  for (let k = 0; k < THRESHOLD_COUNT; k++) {
    const fgFg = counts.tp[k]!;
    const fgBg = counts.fp[k]!;
    const predFg = fgFg + fgBg;
    const predBg = size - predFg;
    let sum: number;
    if (gtFg === 0) {
      // An empty mask: the score is the share of pixels the prediction also leaves empty.
      sum = predBg;
    } else if (gtFg === size) {
      sum = predFg;
    } else {
      const bgFg = gtFg - fgFg;
      const bgBg = predBg - bgFg;
      const meanPred = predFg / size;
      sum =
        enhanced(1 - meanPred, 1 - meanGt) * fgFg +
        enhanced(1 - meanPred, -meanGt) * fgBg +
        enhanced(-meanPred, 1 - meanGt) * bgFg +
        enhanced(-meanPred, -meanGt) * bgBg;
    }
    // size - 1, as in the authors' MATLAB code and PySODMetrics.
    curve[k] = sum / (size - 1 + EPS);
  }
  return curve;
}

/** Enhanced alignment of one (demeaned prediction, demeaned mask) value pair. */
function enhanced(pred: number, gt: number): number {
  const align = (2 * (pred * gt)) / (pred * pred + gt * gt + EPS);
  return ((align + 1) * (align + 1)) / 4;
}
