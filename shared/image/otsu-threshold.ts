/**
 * Otsu's threshold (Otsu 1979) of 8-bit pixels: the level that best separates them into two
 * classes (maximum between-class variance). The intensity lung mask uses it to tell dark lung
 * and air from bright tissue in an image already windowed. One pass to a 256-bin histogram, one
 * over the bins. Runtime-neutral.
 */

/**
 * The threshold t such that pixels `< t` are one class and `>= t` the other (skimage's
 * `threshold_otsu` returns t - 1, with `> t` as its bright class); pixels where `within` is 0
 * are left out. 0 when every counted pixel has one value or none is counted (nothing to
 * separate), so `pixels < 0` is then empty.
 *
 * @example
 * otsuThreshold(Uint8Array.of(10, 10, 200, 200)); // 11: 10 is dark, 11..255 bright
 * otsuThreshold(pixels, bodyMask.data); // only inside the body
 */
export function otsuThreshold(pixels: Uint8Array, within?: Uint8Array): number {
  if (within && within.length !== pixels.length) {
    throw new RangeError(`within: ${within.length} entries for ${pixels.length} pixels`);
  }
  const hist = new Float64Array(256);
  if (within) {
    for (let i = 0; i < pixels.length; i++) if (within[i]) hist[pixels[i]!]!++;
  } else {
    for (let i = 0; i < pixels.length; i++) hist[pixels[i]!]!++;
  }
  return otsuOfHistogram(hist);
}

/**
 * Otsu's threshold of a 256-bin histogram (counts per level), same convention as
 * {@link otsuThreshold}. Ties keep the lowest level.
 *
 * @example
 * const hist = new Float64Array(256); hist[10] = 2; hist[200] = 2;
 * otsuOfHistogram(hist); // 11
 */
export function otsuOfHistogram(hist: ArrayLike<number>): number {
  if (hist.length !== 256) throw new RangeError(`histogram: ${hist.length} bins (needs 256)`);
  let total = 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    total += hist[v]!;
    sum += v * hist[v]!;
  }
  if (total === 0) return 0;
  let below = 0;
  let sumBelow = 0;
  let best = 0;
  let threshold = 0;
  for (let t = 1; t < 256; t++) {
    below += hist[t - 1]!;
    sumBelow += (t - 1) * hist[t - 1]!;
    const above = total - below;
    if (below === 0 || above === 0) continue;
    const diff = sumBelow / below - (sum - sumBelow) / above;
    const between = below * above * diff * diff;
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return threshold;
}
