/**
 * Synthetic chest CT slices for the lung-mask tests: a body ellipse of soft tissue in air, two
 * elliptical lungs, and what each test adds (a trachea, a subpleural lesion, a bridge joining
 * the lungs). Hounsfield units, 1 mm pixels; `toLungWindow` gives the 8-bit image a JPEG of it
 * would hold (centre −600, width 1500, as covid-semiseg).
 */
import type { GrayImage } from '../image/gray-image.js';

export const SIZE = 320;
export const AIR = -1000;
export const TISSUE = 40;
export const LUNG = -850;

export interface Ellipse {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

export const BODY: Ellipse = { cx: 160, cy: 160, rx: 150, ry: 115 };
export const LEFT_OF_IMAGE: Ellipse = { cx: 95, cy: 160, rx: 45, ry: 80 };
export const RIGHT_OF_IMAGE: Ellipse = { cx: 225, cy: 160, rx: 45, ry: 80 };

export const inEllipse = (e: Ellipse, x: number, y: number): boolean => ((x - e.cx) / e.rx) ** 2 + ((y - e.cy) / e.ry) ** 2 <= 1;

export interface Phantom {
  width: number;
  height: number;
  data: Float32Array;
}

/** Body and lungs; `paint` then sets more pixels (x, y, current HU) -> HU. */
export function phantom(lungs: Ellipse[] = [LEFT_OF_IMAGE, RIGHT_OF_IMAGE], paint?: (x: number, y: number, hu: number) => number): Phantom {
  const data = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let hu = inEllipse(BODY, x, y) ? TISSUE : AIR;
      if (lungs.some((e) => inEllipse(e, x, y))) hu = LUNG;
      // Texture, so Otsu and the thresholds see a spread and not two spikes.
      hu += ((x * 7 + y * 13) % 11) * 4 - 20;
      data[y * SIZE + x] = paint ? paint(x, y, hu) : hu;
    }
  }
  return { width: SIZE, height: SIZE, data };
}

/** The 8-bit image in the lung window: gray = (HU + 1350) · 255 / 1500, clamped. */
export function toLungWindow(p: Phantom): GrayImage {
  return { width: p.width, height: p.height, data: Uint8Array.from(p.data, (hu) => Math.max(0, Math.min(255, Math.round(((hu + 1350) * 255) / 1500)))) };
}

export const countPixels = (p: Phantom, test: (x: number, y: number) => boolean): number => {
  let n = 0;
  for (let y = 0; y < p.height; y++) for (let x = 0; x < p.width; x++) if (test(x, y)) n++;
  return n;
};
