/**
 * A binary image: 1 inside, 0 outside, row-major. The lung mask's operations (labelling, hole
 * filling, morphology) pass these around, so the type and its two checks live in one place.
 * Runtime-neutral.
 */
export interface BinaryMask {
  width: number;
  height: number;
  /** 0 or 1 per pixel; `data.length === width * height`. */
  data: Uint8Array;
}

/**
 * Throws a RangeError naming `what` when the mask's size is not a positive integer pair that
 * matches its pixel count: a wrong length would otherwise read past rows silently.
 *
 * @example
 * assertMaskShape({ width: 2, height: 2, data: new Uint8Array(4) }); // passes
 */
export function assertMaskShape(mask: BinaryMask, what = 'mask'): void {
  const { width, height, data } = mask;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || data.length !== width * height) {
    throw new RangeError(`${what}: ${data.length} pixels for ${width}x${height} (needs a positive integer size and width * height pixels)`);
  }
}

/**
 * The complement: 1 where `mask` is 0 and 0 where it is nonzero.
 *
 * @example
 * invertMask({ width: 3, height: 1, data: Uint8Array.of(1, 0, 0) }).data; // [0, 1, 1]
 */
export function invertMask(mask: BinaryMask): BinaryMask {
  const data = new Uint8Array(mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = mask.data[i] ? 0 : 1;
  return { width: mask.width, height: mask.height, data };
}

/**
 * How many pixels are set.
 *
 * @example
 * countSet({ width: 3, height: 1, data: Uint8Array.of(1, 0, 1) }); // 2
 */
export function countSet(mask: BinaryMask): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) n++;
  return n;
}

/**
 * A mask from rows of '0'/'1' characters (any character but '1' is 0): small masks written
 * where a reader can see them, in tests and examples.
 *
 * @example
 * maskFromRows(['010', '111']); // { width: 3, height: 2, data: [0, 1, 0, 1, 1, 1] }
 */
export function maskFromRows(rows: readonly string[]): BinaryMask {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== width)) throw new RangeError('rows: every row must have the same length');
  const data = Uint8Array.from(rows.join(''), (c) => (c === '1' ? 1 : 0));
  const mask = { width, height, data };
  assertMaskShape(mask, 'rows');
  return mask;
}
