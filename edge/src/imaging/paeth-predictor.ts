/**
 * The Paeth predictor (PNG spec section 9.4), shared by the PNG writer's row filters and the
 * decoder's unfiltering so both sides predict identically: whichever of left (`a`), up (`b`) and
 * up-left (`c`) is closest to a + b - c, ties in that order.
 */
export function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
