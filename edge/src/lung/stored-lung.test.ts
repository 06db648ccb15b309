import { describe, expect, it } from 'vitest';
import { decodeStoredLung, encodeLungLabels, type StoredLung } from './stored-lung.js';

const lung: StoredLung = {
  found: true,
  method: 'hounsfield',
  width: 4,
  height: 2,
  sides: { left: 2, right: 1 },
  pixelSpacingMm: [0.7, 0.75],
  labels: Uint8Array.of(0, 1, 1, 0, 0, 2, 2, 0),
};
const meta = (l: StoredLung) => {
  const { labels: _, ...rest } = l;
  return JSON.stringify(rest);
};

describe('stored lung', () => {
  it('comes back from its PNG and metadata as it was written', async () => {
    const back = decodeStoredLung(meta(lung), await encodeLungLabels(lung));
    expect(back).toEqual(lung);
  });

  it('is a miss (undefined) when the metadata, the PNG or their sizes do not match', async () => {
    const png = await encodeLungLabels(lung);
    expect(decodeStoredLung(undefined, png)).toBeUndefined();
    expect(decodeStoredLung('{not json', png)).toBeUndefined();
    expect(decodeStoredLung(JSON.stringify({ found: true }), png)).toBeUndefined();
    expect(decodeStoredLung(meta({ ...lung, width: 8, height: 1 }), png)).toBeUndefined();
    expect(decodeStoredLung(meta(lung), png.subarray(0, png.length - 5))).toBeUndefined();
    // A label the mask cannot hold.
    expect(decodeStoredLung(meta(lung), await encodeLungLabels({ ...lung, labels: Uint8Array.of(0, 3, 1, 0, 0, 2, 2, 0) }))).toBeUndefined();
  });
});
