/**
 * series-geometry on hand-made headers: the cases scanners produce (shuffled uploads, feet-first
 * and head-first, gantry tilt, double-oblique planes) and the ones that break a volume (a slice
 * of another size or spacing, a scout among the slices, missing positions, duplicates).
 */
import { describe, expect, it } from 'vitest';
import { InstanceHeader, type Orientation, type Vec3 } from './instance-header-schema.js';
import { SeriesOrder, orderSeries, skipReason, volumeMl } from './series-geometry.js';

const AXIAL: Orientation = [1, 0, 0, 0, 1, 0];

/** A valid 512x512 axial CT header (checked against the schema), with `overrides`. */
function header(overrides: Partial<InstanceHeader> = {}): InstanceHeader {
  return InstanceHeader.parse({
    modality: 'CT',
    imageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    rows: 512,
    columns: 512,
    frames: 1,
    imageOrientationPatient: AXIAL,
    pixelSpacing: [0.7, 0.7],
    sliceThickness: 1,
    ...overrides,
  });
}

/** Slice `key` at patient z (mm), InstanceNumber `n`. */
const at = (key: string, n: number, z: number, overrides: Partial<InstanceHeader> = {}) => ({
  key,
  header: header({ instanceNumber: n, imagePositionPatient: [-179.2, -179.2, z], ...overrides }),
});

/** Deterministic shuffle (a fixed permutation), so a failure is reproducible. */
const shuffle = <T>(items: T[]): T[] => items.map((item, i) => ({ item, k: (i * 7 + 3) % items.length })).sort((a, b) => a.k - b.k).map((x) => x.item);

const keys = (order: SeriesOrder) => order.slices.map((s) => s.key);
const expectValid = (order: SeriesOrder) => expect(SeriesOrder.safeParse(order).success).toBe(true);

describe('skipReason', () => {
  it('is localizer when any ImageType value is LOCALIZER or SCOUT (CT value 3, or wherever a writer put it)', () => {
    expect(skipReason(header({ imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] }))).toBe('localizer');
    expect(skipReason(header({ imageType: ['ORIGINAL', 'SCOUT'] }))).toBe('localizer');
    expect(skipReason(header({ imageType: ['DERIVED', 'SECONDARY', 'LOCALIZER'], modality: 'MR' }))).toBe('localizer');
  });

  it('is not_ct for another modality, and nothing for CT, an absent Modality or a multi-frame CT', () => {
    expect(skipReason(header({ modality: 'MR' }))).toBe('not_ct');
    expect(skipReason(header({ modality: 'SEG' }))).toBe('not_ct');
    expect(skipReason(header())).toBeUndefined();
    expect(skipReason(header({ modality: undefined, imageType: [] }))).toBeUndefined();
    expect(skipReason(header({ frames: 120 }))).toBeUndefined();
    // AXIAL's value 3 is the normal case, and "LOCALIZER" in the description is not ImageType.
    expect(skipReason(header({ seriesDescription: 'LOCALIZER' }))).toBeUndefined();
  });
});

describe('orderSeries by position', () => {
  it('orders a shuffled upload along the normal and takes the spacing from positions', () => {
    const slices = Array.from({ length: 10 }, (_, i) => at(`s${i}`, i + 1, -100 + 2.5 * i, { sliceThickness: 3 }));
    const order = orderSeries(shuffle(slices));
    expect(order).toMatchObject({ orderedBy: 'position', inconsistent: [], duplicates: [], spacingFrom: 'positions', rows: 512, columns: 512 });
    expect(order.orderNote).toBeUndefined();
    expect(keys(order)).toEqual(slices.map((s) => s.key));
    expect(order.slices.map((s) => s.positionMm)).toEqual(slices.map((_, i) => -100 + 2.5 * i));
    // From the positions (2.5), not SliceThickness (3: overlapping reconstruction).
    expect(order.sliceSpacingMm).toBeCloseTo(2.5, 9);
    expect(order.normal).toEqual([0, 0, 1]);
    expect(order.pixelSpacing).toEqual([0.7, 0.7]);
    expectValid(order);
  });

  it('orders a series acquired feet-first (z falling with InstanceNumber) by position, not by number', () => {
    const slices = Array.from({ length: 6 }, (_, i) => at(`n${i + 1}`, i + 1, 40 - 5 * i));
    const order = orderSeries(slices);
    expect(order.orderedBy).toBe('position');
    expect(order.slices.map((s) => s.instanceNumber)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(order.sliceSpacingMm).toBeCloseTo(5, 9);
  });

  it('measures along the normal of a feet-first orientation (row cosines -1,0,0): the normal is -z', () => {
    const ffs: Orientation = [-1, 0, 0, 0, 1, 0];
    const slices = Array.from({ length: 4 }, (_, i) => at(`n${i + 1}`, i + 1, -5 * i, { imageOrientationPatient: ffs }));
    const order = orderSeries(shuffle(slices));
    expect(order.normal).toEqual([0, 0, -1]);
    // Positions along -z rise as z falls, so the order is the acquisition's; spacing stays positive.
    expect(keys(order)).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(order.slices.map((s) => s.positionMm)).toEqual([0, 5, 10, 15]);
    expect(order.sliceSpacingMm).toBeCloseTo(5, 9);
  });

  it('gives the perpendicular spacing of a gantry-tilted series, not the table increment', () => {
    const tilt = (20 * Math.PI) / 180;
    const tilted: Orientation = [1, 0, 0, 0, Math.cos(tilt), Math.sin(tilt)];
    // The table moves 5 mm in z per slice; the tilted planes are 5 cos(20 deg) apart.
    const slices = Array.from({ length: 8 }, (_, i) => at(`t${i}`, i + 1, 5 * i, { imageOrientationPatient: tilted }));
    const order = orderSeries(shuffle(slices));
    expect(keys(order)).toEqual(slices.map((s) => s.key));
    expect(order.sliceSpacingMm).toBeCloseTo(5 * Math.cos(tilt), 9);
    expect(order.normal![0]).toBeCloseTo(0, 12);
    expect(order.normal![1]).toBeCloseTo(-Math.sin(tilt), 12);
    expect(order.normal![2]).toBeCloseTo(Math.cos(tilt), 12);
  });

  it('orders a double-oblique series whose in-plane origin moves too', () => {
    const row: Vec3 = [Math.SQRT1_2, Math.SQRT1_2, 0];
    const column: Vec3 = [-0.5, 0.5, Math.SQRT1_2];
    const normal: Vec3 = [row[1] * column[2] - row[2] * column[1], row[2] * column[0] - row[0] * column[2], row[0] * column[1] - row[1] * column[0]];
    const orientation = [...row, ...column] as Orientation;
    const slices = Array.from({ length: 5 }, (_, i) => {
      // 3 mm apart along the normal, with an in-plane shift that must not count.
      const p = [0, 1, 2].map((a) => 10 + 3 * i * normal[a]! + 7 * i * row[a]! - 2 * column[a]!) as Vec3;
      return { key: `o${i}`, header: header({ instanceNumber: 5 - i, imagePositionPatient: p, imageOrientationPatient: orientation }) };
    });
    const order = orderSeries(shuffle(slices));
    expect(keys(order)).toEqual(['o0', 'o1', 'o2', 'o3', 'o4']);
    expect(order.sliceSpacingMm).toBeCloseTo(3, 9);
  });

  it('takes the median step, so a missing slice (a gap) does not change the spacing', () => {
    const order = orderSeries([0, 1.25, 2.5, 5, 6.25, 7.5].map((z, i) => at(`g${i}`, i + 1, z)));
    expect(order.sliceSpacingMm).toBeCloseTo(1.25, 9);
    expect(orderSeries([0, 2, 4, 7].map((z, i) => at(`e${i}`, i + 1, z))).sliceSpacingMm).toBeCloseTo(2, 9);
  });

  it('falls back to SliceThickness for a single slice, and says so', () => {
    expect(orderSeries([at('only', 1, 12, { sliceThickness: 1.25 })])).toMatchObject({
      orderedBy: 'position',
      slices: [{ key: 'only', positionMm: 12, instanceNumber: 1 }],
      sliceSpacingMm: 1.25,
      spacingFrom: 'slice_thickness',
    });
  });

  it('answers an empty series with nothing ordered and no spacing', () => {
    const order = orderSeries([]);
    expect(order).toMatchObject({ orderedBy: 'upload', slices: [], inconsistent: [], duplicates: [] });
    expect(order.sliceSpacingMm).toBeUndefined();
    expectValid(order);
  });
});

describe('orderSeries consistency', () => {
  it('leaves out slices of another size, orientation or pixel spacing, naming what differs', () => {
    const good = Array.from({ length: 5 }, (_, i) => at(`s${i}`, i + 1, i));
    const odd = [
      at('spacing', 10, 10, { pixelSpacing: [0.8, 0.8] }),
      at('coronal', 11, 11, { imageOrientationPatient: [1, 0, 0, 0, 0, -1] }),
      at('small', 12, 12, { rows: 256, columns: 256 }),
      at('all', 13, 13, { rows: 256, columns: 320, pixelSpacing: [1, 1] }),
    ];
    const order = orderSeries(shuffle([...good, ...odd]));
    expect(keys(order)).toEqual(good.map((s) => s.key));
    expect(order.sliceSpacingMm).toBeCloseTo(1, 9);
    const reasons = Object.fromEntries(order.inconsistent.map((s) => [s.key, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['all', 'coronal', 'small', 'spacing']);
    expect(reasons.spacing).toBe("PixelSpacing 0.8\\0.8 differs from the series' 0.7\\0.7");
    expect(reasons.coronal).toBe("ImageOrientationPatient 1\\0\\0\\0\\0\\-1 differs from the series' 1\\0\\0\\0\\1\\0");
    expect(reasons.small).toBe("256x256 pixels, the series' are 512x512");
    expect(reasons.all).toBe("320x256 pixels, the series' are 512x512; PixelSpacing 1\\1 differs from the series' 0.7\\0.7");
  });

  it('lets the most common geometry define the series wherever it comes in the upload', () => {
    const order = orderSeries([
      at('a', 1, 0, { pixelSpacing: [0.5, 0.5] }),
      at('b', 2, 1, { pixelSpacing: [0.5, 0.5] }),
      at('c', 3, 2),
      at('d', 4, 3),
      at('e', 5, 4),
    ]);
    expect(keys(order)).toEqual(['c', 'd', 'e']);
    expect(order.inconsistent.map((s) => s.key)).toEqual(['a', 'b']);
    expect(order.pixelSpacing).toEqual([0.7, 0.7]);
  });

  it('counts differences within 1e-3 (cosines, mm) as rounding, not as another geometry', () => {
    const order = orderSeries([
      at('a', 1, 0),
      at('b', 2, 1, { pixelSpacing: [0.7004, 0.6996] }),
      at('c', 3, 2, { imageOrientationPatient: [0.9999995, 0.0009, 0, -0.0009, 0.9999995, 0] }),
    ]);
    expect(order.inconsistent).toEqual([]);
    expect(keys(order)).toEqual(['a', 'b', 'c']);
  });

  it('leaves out a slice whose orientation is absent, quoting why the reader dropped it', () => {
    const message = 'ImageOrientationPatient (0020,0037) has row direction cosines of length 0.000, not 1';
    const order = orderSeries([at('a', 1, 0), at('b', 2, 1), at('broken', 3, 2, { imageOrientationPatient: undefined, malformed: [message] })]);
    expect(order.orderedBy).toBe('position');
    expect(order.inconsistent).toEqual([
      { key: 'broken', reason: `ImageOrientationPatient is absent (${message}), the series' is 1\\0\\0\\0\\1\\0` },
    ]);
  });

  it('reports a localizer left among the slices as inconsistent (its plane is another)', () => {
    const scout = at('scout', 1, 0, { imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'], imageOrientationPatient: [0, 1, 0, 0, 0, -1], rows: 512, columns: 888 });
    const order = orderSeries([scout, ...[1, 2, 3].map((n) => at(`s${n}`, n + 1, n))]);
    expect(skipReason(scout.header)).toBe('localizer');
    expect(order.inconsistent.map((s) => s.key)).toEqual(['scout']);
    expect(order.inconsistent[0]!.reason).toContain('888x512 pixels');
    expect(order.inconsistent[0]!.reason).toContain('ImageOrientationPatient 0\\1\\0\\0\\0\\-1 differs');
  });
});

describe('orderSeries duplicates', () => {
  it('keeps one slice per position (the lower InstanceNumber) and reports the others', () => {
    const order = orderSeries([at('a', 1, 0), at('b2', 3, 2.5), at('b1', 2, 2.5005), at('c', 4, 5), at('b3', 5, 2.4998)]);
    expect(keys(order)).toEqual(['a', 'b1', 'c']);
    expect(order.duplicates.map(({ key, duplicateOf }) => ({ key, duplicateOf }))).toEqual([
      { key: 'b2', duplicateOf: 'b1' },
      { key: 'b3', duplicateOf: 'b1' },
    ]);
    expect(order.duplicates[0]!.positionMm).toBe(2.5);
    expect(order.sliceSpacingMm).toBeCloseTo(2.5, 3);
  });

  it('keeps the first uploaded of the same slice sent twice (same InstanceNumber and position)', () => {
    const order = orderSeries([at('first', 1, 0), at('second', 1, 0), at('next', 2, 1)]);
    expect(keys(order)).toEqual(['first', 'next']);
    expect(order.duplicates).toEqual([{ key: 'second', duplicateOf: 'first', positionMm: 0 }]);
  });

  it('does not call slices 2 um apart duplicates', () => {
    expect(orderSeries([at('a', 1, 0), at('b', 2, 0.002)]).duplicates).toEqual([]);
  });
});

describe('orderSeries fallbacks', () => {
  it('orders by InstanceNumber when any slice lacks ImagePositionPatient, spacing from SliceThickness', () => {
    const slices = [at('c', 3, 2), { key: 'b', header: header({ instanceNumber: 2, sliceThickness: 1 }) }, at('a', 1, 0), at('d', 4, 3)];
    const order = orderSeries(slices);
    expect(order).toMatchObject({ orderedBy: 'instance_number', spacingFrom: 'slice_thickness', sliceSpacingMm: 1 });
    expect(order.orderNote).toBe('ImagePositionPatient (0020,0032) is absent on 1 slice(s): b');
    expect(keys(order)).toEqual(['a', 'b', 'c', 'd']);
    // Positions are still given where there are some.
    expect(order.slices.map((s) => s.positionMm)).toEqual([0, undefined, 2, 3]);
    expectValid(order);
  });

  it('orders by InstanceNumber when the series has no orientation, and reports repeated numbers', () => {
    const order = orderSeries([2, 1, 3, 2].map((n, i) => ({ key: `k${i}`, header: header({ instanceNumber: n, imageOrientationPatient: undefined, imagePositionPatient: [0, 0, n] }) })));
    expect(order.orderedBy).toBe('instance_number');
    expect(order.orderNote).toBe('the series has no usable ImageOrientationPatient (0020,0037)');
    expect(keys(order)).toEqual(['k1', 'k0', 'k2']);
    expect(order.duplicates).toEqual([{ key: 'k3', duplicateOf: 'k0' }]);
    expect(order.normal).toBeUndefined();
  });

  it('keeps the upload order when positions and InstanceNumbers are both missing somewhere', () => {
    const order = orderSeries([at('z', 1, 5), { key: 'y', header: header() }, at('x', 2, 0)]);
    expect(order.orderedBy).toBe('upload');
    expect(order.orderNote).toBe('ImagePositionPatient (0020,0032) is absent on 1 slice(s): y, and InstanceNumber (0020,0013) is absent on 1 slice(s): y');
    expect(keys(order)).toEqual(['z', 'y', 'x']);
  });

  it('gives no spacing when the slices disagree on SliceThickness and positions are missing', () => {
    const order = orderSeries([
      { key: 'a', header: header({ instanceNumber: 1, sliceThickness: 1 }) },
      { key: 'b', header: header({ instanceNumber: 2, sliceThickness: 5 }) },
    ]);
    expect(order.sliceSpacingMm).toBeUndefined();
    expect(order.spacingFrom).toBeUndefined();
  });
});

describe('volumeMl', () => {
  it('is pixels x row spacing x column spacing x slice spacing, in ml', () => {
    expect(volumeMl(1000, [0.5, 0.5], 2)).toBeCloseTo(0.5, 12);
    expect(volumeMl(0, [0.7, 0.7], 1)).toBe(0);
    // A 512x512x300 volume at 0.7 x 0.7 x 1 mm: 35.84 cm x 35.84 cm x 30 cm = 38.5 l.
    expect(volumeMl(512 * 512 * 300, [0.7, 0.7], 1)).toBeCloseTo(38535.168, 6);
  });

  it('refuses counts and lengths that are not, naming the argument', () => {
    expect(() => volumeMl(-1, [1, 1], 1)).toThrow(/pixelCount must be a non-negative integer, got -1/);
    expect(() => volumeMl(1.5, [1, 1], 1)).toThrow(RangeError);
    expect(() => volumeMl(1, [1, 0], 1)).toThrow(/pixelSpacing\[1\] must be a positive number of mm, got 0/);
    expect(() => volumeMl(1, [1, 1], Number.NaN)).toThrow(/sliceSpacingMm must be a positive number of mm, got NaN/);
  });
});
