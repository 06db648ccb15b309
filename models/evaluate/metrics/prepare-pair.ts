/**
 * Puts a prediction and its mask into the form every metric reads, with PySODMetrics' rules
 * (`prepare_data`): the mask is foreground where > 128, and the prediction is min-max normalised
 * to 0..1 unless it is constant, in which case it is left as it is. Pure TS, no Node APIs.
 */

/** MATLAB's eps (numpy.spacing(1)), which PySODMetrics and the original code add to denominators. */
export const EPS = Number.EPSILON;

export interface PreparedPair {
  width: number;
  height: number;
  /** Min-max normalised prediction, in double precision like numpy's float64. */
  pred: Float64Array;
  /** 1 where the mask is foreground, else 0. */
  fg: Uint8Array;
  /** Number of foreground pixels in the mask. */
  fgCount: number;
}

/**
 * @param prediction probabilities in 0..1 (an 8-bit map divided by 255, or the model's floats),
 *   row-major, the mask's size
 * @param mask 8-bit ground truth (0/255 in covid-semiseg)
 * @example
 * const pair = preparePair(prob.data, mask.data, mask.width, mask.height);
 */
export function preparePair(prediction: ArrayLike<number>, mask: ArrayLike<number>, width: number, height: number): PreparedPair {
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`size ${width}x${height} is not a positive integer size`);
  }
  if (prediction.length !== n) throw new RangeError(`prediction has ${prediction.length} pixels; the ${width}x${height} mask has ${n}`);
  if (mask.length !== n) throw new RangeError(`mask has ${mask.length} pixels; ${width}x${height} needs ${n}`);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = prediction[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const pred = new Float64Array(n);
  // A constant map stays as it is (PySODMetrics: `if pred.max() != pred.min(): normalise`).
  if (max !== min) {
    const range = max - min;
    for (let i = 0; i < n; i++) pred[i] = (prediction[i]! - min) / range;
  } else {
    for (let i = 0; i < n; i++) pred[i] = prediction[i]!;
  }
  const fg = new Uint8Array(n);
  let fgCount = 0;
  for (let i = 0; i < n; i++) {
    if (mask[i]! > 128) {
      fg[i] = 1;
      fgCount++;
    }
  }
  return { width, height, pred, fg, fgCount };
}
