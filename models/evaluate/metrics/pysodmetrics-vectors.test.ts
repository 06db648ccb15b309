/**
 * Checks the evaluator against an independent implementation. The vectors in
 * ../shared/data/metric-vectors are prediction/mask PNG pairs whose scores were computed by
 * PySODMetrics (lartpang/PySODMetrics, commit ac5b1fc7b00bfd0a67a952810f72847ae906b3c6, MIT):
 * Smeasure, Emeasure (curve mean), MAE, and FmeasureV2's DICE / Sensitivity / Specificity
 * handlers (dynamic curves over the 256 thresholds, then their mean). See that folder's README.
 * Predictions enter as uint8 / 255 in float64, exactly as PySODMetrics' prepare_data reads them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeGray } from '../load-slices.js';
import { aggregateScores, scoreImage, type Scores } from './score-set.js';

const VECTORS = new URL('../../../../shared/data/metric-vectors/', import.meta.url);
const KEYS = ['sMeasure', 'meanEMeasure', 'mae', 'meanDice', 'meanSensitivity', 'meanSpecificity'] as const;
/** What the JS and numpy computations differ by is summation order (~1e-12); 1e-9 leaves room. */
const TOLERANCE = 1e-9;

const expected = JSON.parse(readFileSync(new URL('expected.json', VECTORS), 'utf8')) as Record<string, Scores & { size: [number, number] }>;

function load(kind: 'preds' | 'masks', name: string) {
  const path = fileURLToPath(new URL(`${kind}/${name}.png`, VECTORS));
  return decodeGray(readFileSync(path), path);
}

describe('metrics against PySODMetrics test vectors', () => {
  const names = readdirSync(new URL('preds/', VECTORS)).map((f) => f.replace(/\.png$/, '')).sort();

  it('has a vector for every expected entry', () => {
    expect(names).toEqual(Object.keys(expected).sort());
  });

  const worst: Record<string, number> = {};
  for (const name of names) {
    it(`matches PySODMetrics on ${name}`, () => {
      const pred = load('preds', name);
      const mask = load('masks', name);
      const want = expected[name]!;
      // expected.json stores PIL's size, (width, height).
      expect([pred.width, pred.height]).toEqual(want.size);
      const got = scoreImage(Float64Array.from(pred.data, (v) => v / 255), mask.data, mask.width, mask.height);
      for (const key of KEYS) {
        const diff = Math.abs(got[key] - want[key]);
        worst[key] = Math.max(worst[key] ?? 0, diff);
        expect(diff, `${name} ${key}: got ${got[key]}, PySODMetrics ${want[key]}`).toBeLessThan(TOLERANCE);
      }
    });
  }

  it('aggregates a set as the mean of the per-image numbers', () => {
    const scored = names.map((name) => {
      const pred = load('preds', name);
      const mask = load('masks', name);
      return scoreImage(Float64Array.from(pred.data, (v) => v / 255), mask.data, mask.width, mask.height);
    });
    const set = aggregateScores(scored);
    for (const key of KEYS) {
      const mean = names.reduce((s, n) => s + expected[n]![key], 0) / names.length;
      expect(Math.abs(set[key] - mean)).toBeLessThan(TOLERANCE);
    }
    if (process.env.BSNET_PRINT_VECTOR_DIFFS) console.log('max |ours - PySODMetrics|:', worst);
  });
});
