import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../image/gray-image.js';
import { lungMaskFromGray8 } from './lung-mask-gray8.js';
import { inEllipse, LEFT_OF_IMAGE, phantom, RIGHT_OF_IMAGE, SIZE, TISSUE, toLungWindow } from './phantom.test-support.js';

const image = (w: number, h: number, f: (x: number, y: number) => number): GrayImage => {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = Math.max(0, Math.min(255, Math.round(f(x, y))));
  return { width: w, height: h, data };
};

describe('lungMaskFromGray8', () => {
  it('finds the two lungs of a lung-windowed phantom', () => {
    const lung = lungMaskFromGray8(toLungWindow(phantom()));
    expect(lung).toMatchObject({ found: true, method: 'intensity' });
    expect(lung.lungs[0]!.centroidColumn).toBeCloseTo(LEFT_OF_IMAGE.cx, 0);
    expect(lung.lungs[1]!.centroidColumn).toBeCloseTo(RIGHT_OF_IMAGE.cx, 0);
  });

  it('keeps a subpleural lesion and finds lungs rotated 90° (top and bottom)', () => {
    const lesion = { cx: RIGHT_OF_IMAGE.cx + RIGHT_OF_IMAGE.rx, cy: 150, rx: 8, ry: 8 };
    const p = phantom(undefined, (x, y, hu) => (inEllipse(lesion, x, y) ? TISSUE : hu));
    // Transpose: lungs above and below one another, as many covid-semiseg slices are.
    const g = toLungWindow(p);
    const t = image(SIZE, SIZE, (x, y) => g.data[x * SIZE + y]!);
    const lung = lungMaskFromGray8(t);
    expect(lung.found).toBe(true);
    expect(lung.lungs[0]!.centroidRow).toBeCloseTo(LEFT_OF_IMAGE.cx, 0);
    expect(lung.labels[(lesion.cx - 2) * SIZE + lesion.cy]).toBeGreaterThan(0);
  });

  it('finds no lungs in a plain gradient', () => {
    for (const g of [image(300, 200, (x) => (x * 255) / 299), image(256, 256, (_, y) => y)]) {
      expect(lungMaskFromGray8(g)).toMatchObject({ found: false, lungs: [] });
    }
  });

  it('finds no lungs in a page of text', () => {
    // Black 3 px strokes of letter-like shapes (boxes, bars, rings) on white, 8 lines of 20.
    const page = image(480, 320, (x, y) => {
      const line = Math.floor(y / 40);
      const col = Math.floor(x / 24);
      const lx = x % 24;
      const ly = y % 40;
      if (ly < 8 || ly > 32 || lx > 18) return 245;
      const kind = (line * 7 + col * 3) % 4;
      const stroke = kind === 0 ? lx < 3 || lx > 15 || ly < 11 || ly > 29 : kind === 1 ? lx >= 8 && lx < 11 : kind === 2 ? ly >= 19 && ly < 22 : Math.abs(Math.hypot(lx - 9, ly - 20) - 8) < 1.5;
      return stroke ? 20 : 245;
    });
    const lung = lungMaskFromGray8(page);
    expect(lung.found).toBe(false);
    expect(lung.labels.every((v) => v === 0)).toBe(true);
  });

  it('finds no lungs in noise, an all-black and an all-white image', () => {
    let s = 99;
    const noise = image(200, 200, () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 255);
    for (const g of [noise, image(64, 64, () => 0), image(64, 64, () => 255)]) expect(lungMaskFromGray8(g).found).toBe(false);
  });

  it('rejects a malformed image, naming it', () => {
    expect(() => lungMaskFromGray8({ width: 4, height: 4, data: new Uint8Array(3) })).toThrow(/image: 3 pixels for a 4x4 image/);
  });
});
