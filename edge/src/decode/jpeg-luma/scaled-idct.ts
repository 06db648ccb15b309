/**
 * The inverse DCT of one block at a reduced scale: a k-point IDCT (k = 8, 4, 2, 1) of the block's
 * top-left k x k coefficients gives a k x k picture of the same 8x8 area, the DCT-domain scaling
 * of IJG libjpeg 7+ (jidctint.c, jpeg_idct_4x4 and friends). With the 8-point normalisation kept,
 *   f(n) = 1/2 * sum_{u<k} C(u) F(u) cos((2n+1) u pi / 2k),   C(0) = 1/sqrt(2), else 1,
 * so a 1x1 "IDCT" is DC/8, the block's mean. Floating point, rounded once at the end, so it is
 * at least as exact as the integer IDCTs it is compared with. The 8-point kernel splits into the
 * 4-point kernel on the even coefficients plus a 4x4 product on the odd ones (f(7-n) mirrors
 * f(n) with the odd part negated), which cuts the multiplies from 64 to 22 per row.
 */

const A = Math.SQRT1_2 / 2; // C(0)/2, and cos(pi/4)/2
const B = Math.cos(Math.PI / 8) / 2;
const C = Math.cos((3 * Math.PI) / 8) / 2;
/** Odd part of the 8-point kernel: ODD[n][j] = cos((2n+1)(2j+1) pi / 16) / 2. */
const ODD = Array.from({ length: 4 }, (_, n) => Array.from({ length: 4 }, (_, j) => Math.cos(((2 * n + 1) * (2 * j + 1) * Math.PI) / 16) / 2));
const [O00, O01, O02, O03] = ODD[0]! as [number, number, number, number];
const [O10, O11, O12, O13] = ODD[1]! as [number, number, number, number];
const [O20, O21, O22, O23] = ODD[2]! as [number, number, number, number];
const [O30, O31, O32, O33] = ODD[3]! as [number, number, number, number];

/** 1-D k-point IDCT of src[s], src[s+step], ... into dst[d], dst[d+dstep], ... */
function idct1d(k: number, src: Float64Array | Float32Array, s: number, step: number, dst: Float64Array, d: number, dstep: number): void {
  if (k === 2) {
    const f0 = src[s]!;
    const f1 = src[s + step]!;
    dst[d] = A * (f0 + f1);
    dst[d + dstep] = A * (f0 - f1);
    return;
  }
  if (k === 4) {
    idct4(src[s]!, src[s + step]!, src[s + 2 * step]!, src[s + 3 * step]!, dst, d, dstep);
    return;
  }
  // k === 8: even half is the 4-point kernel on F0, F2, F4, F6 (written to n = 0..3), odd half added.
  idct4(src[s]!, src[s + 2 * step]!, src[s + 4 * step]!, src[s + 6 * step]!, dst, d, dstep);
  const f1 = src[s + step]!;
  const f3 = src[s + 3 * step]!;
  const f5 = src[s + 5 * step]!;
  const f7 = src[s + 7 * step]!;
  const o0 = O00 * f1 + O01 * f3 + O02 * f5 + O03 * f7;
  const o1 = O10 * f1 + O11 * f3 + O12 * f5 + O13 * f7;
  const o2 = O20 * f1 + O21 * f3 + O22 * f5 + O23 * f7;
  const o3 = O30 * f1 + O31 * f3 + O32 * f5 + O33 * f7;
  const e0 = dst[d]!;
  const e1 = dst[d + dstep]!;
  const e2 = dst[d + 2 * dstep]!;
  const e3 = dst[d + 3 * dstep]!;
  dst[d] = e0 + o0;
  dst[d + dstep] = e1 + o1;
  dst[d + 2 * dstep] = e2 + o2;
  dst[d + 3 * dstep] = e3 + o3;
  dst[d + 4 * dstep] = e3 - o3;
  dst[d + 5 * dstep] = e2 - o2;
  dst[d + 6 * dstep] = e1 - o1;
  dst[d + 7 * dstep] = e0 - o0;
}

/** 4-point kernel: cos((2n+1) u pi / 8) / 2 splits into an even pair and an odd pair. */
function idct4(f0: number, f1: number, f2: number, f3: number, dst: Float64Array, d: number, dstep: number): void {
  const e0 = A * (f0 + f2);
  const e1 = A * (f0 - f2);
  const o0 = B * f1 + C * f3;
  const o1 = C * f1 - B * f3;
  dst[d] = e0 + o0;
  dst[d + dstep] = e1 + o1;
  dst[d + 2 * dstep] = e1 - o1;
  dst[d + 3 * dstep] = e0 - o0;
}


/** Where one block's k x k samples go: a plane of planeWide x planeHigh, clipped at its edges. */
export interface PlaneTarget {
  /** 8-bit samples, or 12-bit ones (extended JPEG, DICOM's JPEG Extended syntax) in 16 bits. */
  plane: Uint8Array | Uint16Array;
  planeWide: number;
  planeHigh: number;
  /** 8 or 12: sets the level shift (2^(P-1), T.81 A.3.1) and the clamp (2^P - 1). */
  precision: 8 | 12;
}

/** A plane for samples of `precision` bits. */
export function planeTarget(planeWide: number, planeHigh: number, precision: 8 | 12): PlaneTarget {
  const plane = precision === 8 ? new Uint8Array(planeWide * planeHigh) : new Uint16Array(planeWide * planeHigh);
  return { plane, planeWide, planeHigh, precision };
}

/**
 * Writes the k x k samples of one block whose dequantised coefficients (row-major k x k in
 * `coef`) start at (x0, y0) in the plane; samples past the plane's edge are dropped. `work` is
 * scratch space of at least 2*k*k numbers, reused across blocks to keep the hot loop allocation-free.
 *
 * @example
 * idctBlock(coef, 4, target, bx * 4, by * 4, work);
 */
export function idctBlock(coef: Float32Array, k: number, target: PlaneTarget, x0: number, y0: number, work: Float64Array): void {
  const { plane, planeWide, planeHigh } = target;
  // Level shift back to unsigned samples (T.81 A.3.1) plus 0.5 so truncation rounds; then clamp.
  const shift = target.precision === 8 ? 128.5 : 2048.5;
  const max = target.precision === 8 ? 255 : 4095;
  const sample = (v: number): number => {
    const s = v + shift;
    return s <= 0 ? 0 : s >= max ? max : s | 0;
  };
  const rows = Math.min(k, planeHigh - y0);
  const cols = Math.min(k, planeWide - x0);
  if (rows <= 0 || cols <= 0) return;
  const kk = k * k;
  // Columns first, into work[v * k + u]; a column with no AC coefficient is flat.
  let flatBlock = true;
  for (let u = 0; u < k; u++) {
    let flat = true;
    for (let v = 1; v < k; v++) if (coef[v * k + u] !== 0) flat = false;
    if (flat) {
      const c = coef[u]! * A;
      for (let n = 0; n < k; n++) work[n * k + u] = c;
      if (u > 0 && coef[u] !== 0) flatBlock = false;
    } else {
      flatBlock = false;
      idct1d(k, coef, u, k, work, u, k);
    }
  }
  if (flatBlock) {
    const s = sample(k === 1 ? coef[0]! / 8 : work[0]! * A);
    for (let n = 0; n < rows; n++) plane.fill(s, (y0 + n) * planeWide + x0, (y0 + n) * planeWide + x0 + cols);
    return;
  }
  // Then rows, into work[kk + ...], and out to the plane.
  for (let n = 0; n < rows; n++) {
    idct1d(k, work, n * k, 1, work, kk, 1);
    const out = (y0 + n) * planeWide + x0;
    for (let m = 0; m < cols; m++) plane[out + m] = sample(work[kk + m]!);
  }
}
