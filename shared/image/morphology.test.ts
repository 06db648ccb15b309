import { describe, expect, it } from 'vitest';
import { maskFromRows, type BinaryMask } from './binary-mask.js';
import { close, dilate, erode, open } from './morphology.js';

/** Dilation by definition: any set pixel within the closed disk. */
function bruteDilate(m: BinaryMask, r: number, sy = 1, sx = 1): number[] {
  const out: number[] = [];
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      let hit = 0;
      for (let j = 0; j < m.height && !hit; j++) for (let i = 0; i < m.width; i++) if (m.data[j * m.width + i] && ((y - j) * sy) ** 2 + ((x - i) * sx) ** 2 <= r * r + 1e-9) hit = 1;
      out.push(hit);
    }
  }
  return out;
}

/** Erosion by definition, with everything beyond the image as background. */
function bruteErode(m: BinaryMask, r: number): number[] {
  const out: number[] = [];
  const R = Math.ceil(r);
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      let keep = m.data[y * m.width + x] ? 1 : 0;
      for (let dy = -R; dy <= R && keep; dy++) {
        for (let dx = -R; dx <= R; dx++) {
          if (dx * dx + dy * dy > r * r + 1e-9) continue;
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || xx < 0 || yy >= m.height || xx >= m.width || !m.data[yy * m.width + xx]) keep = 0;
        }
      }
      out.push(keep);
    }
  }
  return out;
}

const random = (w: number, h: number, p: number, seed: number): BinaryMask => {
  let s = seed;
  return { width: w, height: h, data: Uint8Array.from({ length: w * h }, () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff < p ? 1 : 0)) };
};

describe('morphology with a disk', () => {
  it('dilates a point into a disk (hand case, radius 1 and 1.5)', () => {
    const point = maskFromRows(['00000', '00000', '00100', '00000', '00000']);
    expect(Array.from(dilate(point, 1).data)).toEqual(Array.from(maskFromRows(['00000', '00100', '01110', '00100', '00000']).data));
    expect(Array.from(dilate(point, 1.5).data)).toEqual(Array.from(maskFromRows(['00000', '01110', '01110', '01110', '00000']).data));
    expect(Array.from(dilate(point, 0).data)).toEqual(Array.from(point.data));
  });

  it('dilates and erodes as the definition says, for fractional radii and random masks', () => {
    for (const [r, seed] of [
      [1, 1],
      [2.3, 2],
      [3.7, 3],
    ] as const) {
      const m = random(17, 12, 0.15, seed);
      expect(Array.from(dilate(m, r).data)).toEqual(bruteDilate(m, r));
      const solid = random(17, 12, 0.85, seed);
      expect(Array.from(erode(solid, r).data)).toEqual(bruteErode(solid, r));
    }
  });

  it('honours anisotropic spacing (radius in mm)', () => {
    const m = random(15, 11, 0.05, 9);
    expect(Array.from(dilate(m, 2, { spacing: [0.7, 1.2] }).data)).toEqual(bruteDilate(m, 2, 0.7, 1.2));
    // Rows 2 mm apart, columns 0.5 mm: a 1 mm disk spans 2 columns each way and no rows.
    const point = maskFromRows(['00000', '00100', '00000']);
    expect(Array.from(dilate(point, 1, { spacing: [2, 0.5] }).data)).toEqual(Array.from(maskFromRows(['00000', '11111', '00000']).data));
  });

  it('erodes from the image border by default, not when the outside is foreground', () => {
    const full = maskFromRows(['1111', '1111', '1111']);
    expect(Array.from(erode(full, 1).data)).toEqual(Array.from(maskFromRows(['0000', '0110', '0000']).data));
    expect(Array.from(erode(full, 1, { outside: 'foreground' }).data)).toEqual(Array.from(full.data));
  });

  it('closes a gap narrower than the disk and keeps a mask touching the border', () => {
    const gap = maskFromRows(['1101111', '1101111', '1101111']);
    expect(Array.from(close(gap, 1).data)).toEqual(new Array(21).fill(1));
    const bay = maskFromRows(['11111111', '11100111', '11100111', '11111111']);
    expect(Array.from(close(bay, 1).data)).toEqual(new Array(32).fill(1));
  });

  it('opens away parts thinner than the disk', () => {
    const m = maskFromRows(['0000000', '0111000', '0111111', '0111000', '0000000']);
    // The 3x3 block's core (and the arm's root) survive the erosion; the 1-px arm does not come back.
    expect(Array.from(open(m, 1).data)).toEqual(Array.from(maskFromRows(['0000000', '0011000', '0111100', '0011000', '0000000']).data));
  });

  it('costs the same whatever the radius (512x512)', () => {
    const m = random(512, 512, 0.01, 4);
    const time = (r: number): number => {
      dilate(m, r);
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) dilate(m, r);
      return performance.now() - t0;
    };
    const small = time(1);
    const large = time(40);
    // Loose bounds: the machine may be busy; a cost growing with r² would be ~1600x.
    expect(large).toBeLessThan(small * 5 + 50);
  });

  it('rejects a negative radius, naming it', () => {
    expect(() => dilate(maskFromRows(['1']), -1)).toThrow(/radius must be a finite number >= 0/);
  });
});
