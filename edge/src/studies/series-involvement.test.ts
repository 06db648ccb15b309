import { describe, expect, it } from 'vitest';
import { involvementBand, seriesInvolvement, type SliceLungCounts } from './series-involvement.js';

describe('involvementBand', () => {
  it('follows the severity score steps, closing the gaps at 25 and 50', () => {
    const cases: [number, number][] = [[0, 0], [0.01, 1], [4.99, 1], [5, 2], [25, 2], [25.01, 3], [49.9, 3], [50, 4], [75, 4], [75.01, 5], [100, 5]];
    for (const [percent, band] of cases) expect(involvementBand(percent), `${percent} %`).toBe(band);
    expect(() => involvementBand(-1)).toThrow(RangeError);
    expect(() => involvementBand(Number.NaN)).toThrow(RangeError);
  });
});

describe('seriesInvolvement', () => {
  const slice = (key: string, left: [number, number], right: [number, number]): SliceLungCounts => ({
    key,
    found: true,
    lungPixels: left[0] + right[0],
    infectedInLungPixels: left[1] + right[1],
    left: { pixels: left[0], infectedPixels: left[1] },
    right: { pixels: right[0], infectedPixels: right[1] },
  });

  it('sums volumes per lung with the pixel and slice spacing, and finds the most involved slice', () => {
    // 1 mm x 1 mm x 2 mm voxels: 1000 pixels = 2 mL.
    const slices = [slice('a', [1000, 100], [1000, 0]), slice('b', [1000, 700], [1000, 10]), { key: 'c', found: false, lungPixels: 5000, infectedInLungPixels: 5000 }];
    const r = seriesInvolvement(slices, [1, 1], 2)!;
    expect(r).toMatchObject({ slicesWithLungs: 2, lungVolumeMl: 8, infectedVolumeMl: 1.62, involvementPercent: 20.25, band: 2 });
    expect(r.left).toEqual({ lungVolumeMl: 4, infectedVolumeMl: 1.6, involvementPercent: 40, band: 3 });
    expect(r.right).toEqual({ lungVolumeMl: 4, infectedVolumeMl: 0.02, involvementPercent: 0.5, band: 1 });
    expect(r.mostInvolvedSlice).toEqual({ key: 'b', infectedShare: 0.355 });
  });

  it('has no sides unless every slice knows them, no figures without spacing, and null shares without lungs', () => {
    const unsided: SliceLungCounts = { key: 'x', found: true, lungPixels: 100, infectedInLungPixels: 0 };
    const r = seriesInvolvement([slice('a', [10, 1], [10, 1]), unsided], [1, 1], 1)!;
    expect(r.left).toBeNull();
    expect(r.right).toBeNull();
    expect(seriesInvolvement([unsided], undefined, 1)).toBeNull();
    expect(seriesInvolvement([unsided], [1, 1], undefined)).toBeNull();
    const none = seriesInvolvement([{ key: 'y', found: false, lungPixels: 0, infectedInLungPixels: 0 }], [1, 1], 1)!;
    expect(none).toMatchObject({ slicesWithLungs: 0, involvementPercent: null, band: null, mostInvolvedSlice: null });
  });
});
