/**
 * mulberry32, a small seeded generator of floats in [0, 1): the stand-in model's weights and the
 * tests' damaged files come from it, so every run (and every failure) can be replayed from its
 * seed. Not for anything secret. Runtime-neutral.
 *
 * @example
 * const rand = mulberry32(12345);
 * rand(); // always the same first value for this seed
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
