import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../shared/seeded-random.js';
import { eMeasureCurve } from './e-measure.js';
import { meanAbsoluteError } from './mae.js';
import { EPS, preparePair } from './prepare-pair.js';
import { sMeasure } from './s-measure.js';
import { aggregateScores, scoreImage } from './score-set.js';
import { diceAtThreshold, thresholdCounts, thresholdCurves } from './threshold-curves.js';

/**
 * 4x4 case, computed by hand. Foreground is the top-left 2x2 block. Prediction values are exact
 * binary fractions already spanning 0..1, so normalisation leaves them alone; their histogram
 * levels floor(P * 255) are 255, 191, 127, 63 inside the mask and 127, 63 and ten 0s outside it.
 */
const MASK = Uint8Array.from([
  255, 255, 0, 0,
  255, 255, 0, 0,
  0, 0, 0, 0,
  0, 0, 0, 0,
]);
const PRED = Float64Array.from([
  1, 0.75, 0, 0,
  0.5, 0.25, 0.25, 0,
  0, 0, 0.5, 0,
  0, 0, 0, 0,
]);

describe('threshold curves (hand-computed 4x4)', () => {
  const curves = thresholdCurves(thresholdCounts(preparePair(PRED, MASK, 4, 4)));

  it('binarises P >= k/255 and counts TP/FP at a few thresholds', () => {
    // k = 0: everything is foreground. TP 4, FP 12.
    expect(curves.dice[0]).toBeCloseTo(8 / 20, 15);
    expect(curves.sensitivity[0]).toBe(1);
    expect(curves.specificity[0]).toBe(0);
    // k = 100: levels 255, 191, 127 inside, 127 outside. TP 3, FP 1.
    expect(curves.dice[100]).toBeCloseTo(6 / 8, 15);
    expect(curves.sensitivity[100]).toBe(0.75);
    expect(curves.specificity[100]).toBeCloseTo(11 / 12, 15);
    // k = 128: P = 0.5 sits at level 127, below t = 128/255. TP 2, FP 0.
    expect(curves.dice[128]).toBeCloseTo(4 / 6, 15);
    expect(curves.sensitivity[128]).toBe(0.5);
    expect(curves.specificity[128]).toBe(1);
    // k = 255: only P = 1. TP 1, FP 0.
    expect(curves.dice[255]).toBeCloseTo(2 / 5, 15);
    expect(curves.sensitivity[255]).toBe(0.25);
  });

  it('averages the 256 thresholds into the mean scores', () => {
    // Runs of k: {0}, 1..63, 64..127, 128..191, 192..255 with (TP, FP) = (4,12), (4,2), (3,1), (2,0), (1,0).
    const s = scoreImage(PRED, MASK, 4, 4);
    expect(s.meanDice).toBeCloseTo((0.4 + 63 * 0.8 + 64 * 0.75 + 64 * (2 / 3) + 64 * 0.4) / 256, 12);
    expect(s.meanSensitivity).toBeCloseTo((1 + 63 + 64 * 0.75 + 64 * 0.5 + 64 * 0.25) / 256, 12);
    expect(s.meanSpecificity).toBeCloseTo((0 + 63 * (10 / 12) + 64 * (11 / 12) + 128) / 256, 12);
    // |P - G|: 0 + 0.25 + 0.5 + 0.75 inside, 0.25 + 0.5 outside, over 16 pixels.
    expect(s.mae).toBeCloseTo(2.25 / 16, 15);
  });
});

describe('normalisation', () => {
  it('min-max normalises a prediction that does not span 0..1', () => {
    const pair = preparePair([0.2, 0.4, 0.6], [0, 255, 255], 3, 1);
    expect([...pair.pred].map((v) => +v.toFixed(12))).toEqual([0, 0.5, 1]);
    expect(pair.fgCount).toBe(2);
  });

  it('leaves a constant prediction as it is (PySODMetrics does not map it to 0)', () => {
    const pair = preparePair([0.7, 0.7], [0, 255], 2, 1);
    expect([...pair.pred]).toEqual([0.7, 0.7]);
    expect(meanAbsoluteError(pair)).toBeCloseTo(0.5, 15);
  });

  it('treats 128 as background and 129 as foreground', () => {
    expect([...preparePair([0, 1], [128, 129], 2, 1).fg]).toEqual([0, 1]);
  });

  it('names a size mismatch', () => {
    expect(() => preparePair([0, 1, 0], [0, 255], 2, 1)).toThrow(/prediction has 3 pixels/);
  });
});

describe('a perfect prediction', () => {
  const mask = new Uint8Array(12 * 10);
  for (let y = 3; y < 8; y++) for (let x = 2; x < 6; x++) mask[y * 12 + x] = 255;
  const pred = Float64Array.from(mask, (v) => v / 255);
  const n = mask.length;
  const s = scoreImage(pred, mask, 12, 10);

  it('scores 1 at every threshold above 0, and S = 1, MAE = 0', () => {
    for (let k = 1; k < 256; k++) {
      expect(s.curves.dice[k]).toBe(1);
      expect(s.curves.sensitivity[k]).toBe(1);
      expect(s.curves.specificity[k]).toBe(1);
    }
    expect(s.sMeasure).toBeCloseTo(1, 12);
    expect(s.mae).toBe(0);
  });

  it('has E-measure N / (N - 1) above 0, the MATLAB denominator PySODMetrics keeps', () => {
    for (let k = 1; k < 256; k++) expect(s.curves.eMeasure[k]).toBeCloseTo(n / (n - 1), 12);
  });

  it('still counts t = 0, where every pixel is foreground, in the means', () => {
    // t = 0 makes B all ones, so the "mean" scores of a perfect map fall just short of 1.
    const dice0 = (2 * 20) / (20 + n);
    expect(s.meanDice).toBeCloseTo((dice0 + 255) / 256, 12);
    expect(s.meanSpecificity).toBeCloseTo(255 / 256, 12);
    expect(s.meanEMeasure).toBeGreaterThan(0.99);
  });
});

describe('empty and full masks', () => {
  it('gives Dice and Sensitivity 0 for an empty mask but keeps Specificity = TN / (TN + FP)', () => {
    const s = scoreImage([0, 0.5, 1, 0], [0, 0, 0, 0], 2, 2);
    expect(s.meanDice).toBe(0);
    expect(s.meanSensitivity).toBe(0);
    // FP is 4 at k = 0, 2 for k = 1..127, 1 for k = 128..255 (0.5 sits at level 127).
    expect(s.meanSpecificity).toBeCloseTo((0 + 127 * 0.5 + 128 * 0.75) / 256, 12);
    expect(s.sMeasure).toBeCloseTo(1 - 1.5 / 4, 15);
  });

  it('takes S = mean(P) for an all-foreground mask', () => {
    const pair = preparePair([0, 0.5, 1, 0.5], [255, 255, 255, 255], 2, 2);
    expect(sMeasure(pair)).toBeCloseTo(0.5, 15);
  });
});

describe('counting shortcuts agree with a pixel-by-pixel computation', () => {
  // A deterministic noisy prediction over an off-centre blob.
  const w = 37, h = 29;
  const mask = new Uint8Array(w * h);
  const pred = new Float64Array(w * h);
  const rand = mulberry32(12345);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = (x - 12) ** 2 + (y - 18) ** 2 < 60;
      mask[y * w + x] = inside ? 255 : 0;
      pred[y * w + x] = Math.min(1, Math.max(0, (inside ? 0.6 : 0.2) + 0.5 * (rand() - 0.5)));
    }
  }
  const pair = preparePair(pred, mask, w, h);
  const counts = thresholdCounts(pair);

  it('matches 256 binarisations for Dice, Sensitivity and Specificity', () => {
    const curves = thresholdCurves(counts);
    for (const k of [0, 1, 37, 128, 200, 254, 255]) {
      let tp = 0, fp = 0, fn = 0, tn = 0;
      for (let i = 0; i < pair.pred.length; i++) {
        const b = Math.trunc(pair.pred[i]! * 255) >= k;
        const g = pair.fg[i] === 1;
        if (b && g) tp++;
        else if (b) fp++;
        else if (g) fn++;
        else tn++;
      }
      expect(curves.dice[k]).toBeCloseTo((2 * tp) / (2 * tp + fp + fn), 14);
      expect(curves.sensitivity[k]).toBeCloseTo(tp / (tp + fn), 14);
      expect(curves.specificity[k]).toBeCloseTo(tn / (tn + fp), 14);
    }
  });

  it('matches the E-measure definition (Fan et al. 2018) evaluated per pixel', () => {
    const curve = eMeasureCurve(counts);
    const n = pair.pred.length;
    const meanG = pair.fgCount / n;
    for (const k of [0, 50, 128, 255]) {
      const b = Array.from(pair.pred, (p): number => (Math.trunc(p * 255) >= k ? 1 : 0));
      const meanB = b.reduce((s, v) => s + v, 0) / n;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const dp = b[i]! - meanB;
        const dg = pair.fg[i]! - meanG;
        const align = (2 * dp * dg) / (dp * dp + dg * dg + EPS);
        sum += (align + 1) ** 2 / 4;
      }
      expect(curve[k]).toBeCloseTo(sum / (n - 1 + EPS), 12);
    }
  });
});

describe('diceAtThreshold', () => {
  it('scores the shipped mask p >= 0.5 without normalising', () => {
    expect(diceAtThreshold([0.9, 0.5, 0.49, 0.1], [255, 0, 255, 0], 0.5)).toBeCloseTo(0.5, 15);
    expect(diceAtThreshold([0.1, 0.2], [0, 0], 0.5)).toBe(1);
  });
});

describe('aggregateScores', () => {
  it('averages curves over images, then over thresholds', () => {
    const a = scoreImage(PRED, MASK, 4, 4);
    const b = scoreImage(Float64Array.from(MASK, (v) => v / 255), MASK, 4, 4);
    const set = aggregateScores([a, b]);
    expect(set.meanDice).toBeCloseTo((a.meanDice + b.meanDice) / 2, 14);
    expect(set.mae).toBeCloseTo(a.mae / 2, 15);
    expect(set.curves.dice[128]).toBeCloseTo((4 / 6 + 1) / 2, 14);
  });

  it('refuses an empty set', () => {
    expect(() => aggregateScores([])).toThrow(/no images/);
  });
});
