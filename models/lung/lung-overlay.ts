/**
 * A picture for a person to judge a lung mask by eye: the gray slice, lung 1's outline in cyan,
 * lung 2's in yellow, and the radiologist's infection tinted red. Written as an RGB PNG.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GrayImage } from '../../shared/image/gray-image.js';
import type { LungMask } from '../../shared/lung/lung-mask.js';
import { encodeRgbPng, type RgbImage } from '../evaluate/overlay.js';

const OUTLINE: Record<1 | 2, readonly [number, number, number]> = { 1: [0, 230, 255], 2: [255, 220, 0] };
const RED = [255, 30, 30] as const;
const TINT_ALPHA = 0.45;

/**
 * @example
 * const rgb = renderLungOverlay(slice.image, lung, slice.mask);
 */
export function renderLungOverlay(slice: GrayImage, lung: LungMask, infection: GrayImage): RgbImage {
  const { width: w, height: h } = slice;
  const data = new Uint8Array(w * h * 3);
  const l = lung.labels;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const g = slice.data[i]!;
      let rgb: readonly number[] = [g, g, g];
      if (infection.data[i]! > 127) rgb = rgb.map((v, k) => Math.round(v * (1 - TINT_ALPHA) + RED[k]! * TINT_ALPHA));
      const label = l[i]!;
      if (label) {
        // An outline pixel: a lung pixel with a 4-neighbour outside this lung (or off the image).
        const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 || l[i - 1] !== label || l[i + 1] !== label || l[i - w] !== label || l[i + w] !== label;
        if (edge) rgb = OUTLINE[label as 1 | 2];
      }
      data.set(rgb, i * 3);
    }
  }
  return { width: w, height: h, data };
}

/** Renders and writes one overlay PNG, creating its folder. */
export async function writeLungOverlay(path: string, slice: GrayImage, lung: LungMask, infection: GrayImage): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, encodeRgbPng(renderLungOverlay(slice, lung, infection)));
}
