/** Mean absolute error between the normalised prediction and the binary mask. Pure TS. */
import type { PreparedPair } from './prepare-pair.js';

export function meanAbsoluteError({ pred, fg }: PreparedPair): number {
  let sum = 0;
  for (let i = 0; i < pred.length; i++) sum += Math.abs(pred[i]! - fg[i]!);
  return sum / pred.length;
}
