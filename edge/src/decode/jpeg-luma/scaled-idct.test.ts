/**
 * The scaled IDCT against its definition, evaluated term by term in two dimensions:
 *   s(n, m) = 1/4 sum_{v,u<k} C(u) C(v) F(v,u) cos((2n+1) v pi / 2k) cos((2m+1) u pi / 2k) + 128
 * for random blocks at every k, flat and DC-only blocks, and clipping at the plane's edges.
 */
import { describe, expect, it } from 'vitest';
import { idctBlock } from './scaled-idct.js';

const C = (u: number): number => (u === 0 ? Math.SQRT1_2 : 1);

/** Unrounded samples by the definition; the caller rounds, allowing either way at an exact tie. */
function byDefinition(coef: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < k; n++) {
    for (let m = 0; m < k; m++) {
      let s = 0;
      for (let v = 0; v < k; v++) {
        for (let u = 0; u < k; u++) {
          s += C(u) * C(v) * coef[v * k + u]! * Math.cos(((2 * n + 1) * v * Math.PI) / (2 * k)) * Math.cos(((2 * m + 1) * u * Math.PI) / (2 * k));
        }
      }
      out.push(s / 4 + 128);
    }
  }
  return out;
}

/** Whether `got` is `exact` rounded and clamped; at a tie (x.5 give or take float noise) either neighbour is. */
function roundsTo(got: number, exact: number): boolean {
  const clamp = (v: number): number => Math.max(0, Math.min(255, v));
  const tie = Math.abs(exact - Math.floor(exact) - 0.5) < 1e-6;
  return tie ? got === clamp(Math.floor(exact)) || got === clamp(Math.ceil(exact)) : got === clamp(Math.round(exact));
}

function run(coef: Float32Array, k: number, planeWide = k, planeHigh = k, x0 = 0, y0 = 0): Uint8Array {
  const plane = new Uint8Array(planeWide * planeHigh).fill(7);
  idctBlock(coef, k, { plane, planeWide, planeHigh, precision: 8 }, x0, y0, new Float64Array(128));
  return plane;
}

describe('idctBlock', () => {
  it.each([8, 4, 2, 1])('matches the 2-D definition on 500 random blocks at k = %i', (k) => {
    let seed = 11 * k;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (let t = 0; t < 500; t++) {
      const coef = new Float32Array(k * k);
      // Sparse like real blocks, and now and then large enough to clip.
      for (let i = 0; i < k * k; i++) if (i === 0 || rand() < 0.4) coef[i] = Math.round((rand() - 0.5) * (i === 0 ? 1600 : 300 / (1 + i)));
      const got = [...run(coef, k)];
      const want = byDefinition(coef, k);
      for (let i = 0; i < got.length; i++) if (!roundsTo(got[i]!, want[i]!)) expect.fail(`block ${t} sample ${i}: ${got[i]} for ${want[i]}`);
    }
  });

  it('turns a DC-only block into the flat block DC/8 + 128 at every scale', () => {
    for (const k of [8, 4, 2, 1]) {
      const coef = new Float32Array(k * k);
      coef[0] = -333;
      expect([...run(coef, k)], `k ${k}`).toEqual(Array(k * k).fill(Math.round(-333 / 8 + 128))); // 86.375 -> 86
    }
  });

  it('writes only the samples inside the plane, and nothing for a block wholly outside', () => {
    const coef = new Float32Array(16);
    coef[0] = 80;
    coef[1] = 40;
    const plane = run(coef, 4, 6, 5, 3, 2); // 3 columns and 3 rows of the 4x4 fit
    const written = [...plane].map((v, i) => (v === 7 ? '.' : (i % 6 >= 3 && Math.floor(i / 6) >= 2 ? 'x' : '!')));
    expect(written.join('')).toBe('.'.repeat(12) + '...xxx'.repeat(3));
    expect([...run(coef, 4, 4, 4, 4, 0)]).toEqual(Array(16).fill(7));
  });
});
