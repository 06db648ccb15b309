/** maskStats on real covid-semiseg masks (counts from scipy, testdata/lesion-vectors.json) and on the edge cases. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTestMask } from './imaging-data.test-support.js';
import { maskStats } from './mask-stats.js';

interface LesionVectors {
  vectors: { file: string; width: number; height: number; infectedPixels: number; lesionCount8: number }[];
}
const lesionVectors = JSON.parse(readFileSync(new URL('testdata/lesion-vectors.json', import.meta.url), 'utf8')) as LesionVectors;

describe('maskStats', () => {
  it('real masks: infected pixels, fraction and lesions as scipy counts them', () => {
    for (const v of lesionVectors.vectors) {
      const stats = maskStats(loadTestMask(v.file));
      expect(stats, v.file).toEqual({
        totalPixels: v.width * v.height,
        infectedPixels: v.infectedPixels,
        infectedFraction: v.infectedPixels / (v.width * v.height),
        lesionCount: v.lesionCount8,
      });
    }
  });

  it('a clean slice: nothing infected, no lesions', () => {
    expect(maskStats({ width: 4, height: 3, data: new Uint8Array(12) })).toEqual({ totalPixels: 12, infectedPixels: 0, infectedFraction: 0, lesionCount: 0 });
  });

  it('a fully infected slice: fraction 1, one lesion', () => {
    expect(maskStats({ width: 4, height: 3, data: new Uint8Array(12).fill(255) })).toEqual({ totalPixels: 12, infectedPixels: 12, infectedFraction: 1, lesionCount: 1 });
  });

  it('two diagonal pixels in a 2x2: half infected, one lesion', () => {
    expect(maskStats({ width: 2, height: 2, data: Uint8Array.of(255, 0, 0, 255) })).toMatchObject({ infectedFraction: 0.5, lesionCount: 1 });
  });
});
