/**
 * What can be measured of a lung mask without lung ground truth: how much of the radiologist's
 * infection falls inside it (infection is in the lungs, so a good mask holds nearly all of it),
 * whether two lungs were found, and how long it took. Both methods run per slice: intensity on
 * the 8-bit JPEG, Hounsfield on the JPEG mapped back through the inverse of the lung window.
 */
import { DEFAULT_LUNG_WINDOW } from '../../edge/src/imaging/window.js';
import type { GrayImage } from '../../shared/image/gray-image.js';
import { countInside, lungRegion, type LungMask } from '../../shared/lung/lung-mask.js';
import { lungMaskFromGray8 } from '../../shared/lung/lung-mask-gray8.js';
import { lungMaskFromHounsfield } from '../../shared/lung/lung-mask-hounsfield.js';

/**
 * Gray 0..255 back to HU through the inverse of the lung window the covid-semiseg JPEGs look made
 * with (the edge's DEFAULT_LUNG_WINDOW, measured: centre −405, width 1375): HU = −1093 + gray · 1375 / 255.
 */
export function grayToHounsfield(image: GrayImage): { width: number; height: number; data: Float32Array } {
  const low = DEFAULT_LUNG_WINDOW.center - DEFAULT_LUNG_WINDOW.width / 2;
  const data = new Float32Array(image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = low + (image.data[i]! * DEFAULT_LUNG_WINDOW.width) / 255;
  return { width: image.width, height: image.height, data };
}

export type LungMethod = 'intensity' | 'hounsfield';

/** One method's lung mask of a slice. */
export function lungMaskBy(method: LungMethod, image: GrayImage): LungMask {
  return method === 'intensity' ? lungMaskFromGray8(image) : lungMaskFromHounsfield(grayToHounsfield(image));
}

export interface SliceCoverage {
  name: string;
  found: boolean;
  failure?: string;
  infectionPixels: number;
  /** Infection pixels inside the lung labels, and inside them dilated by 2 px. */
  inside: number;
  insideDilated: number;
  ms: number;
}

/** The margin the product cuts infection maps with (edge/src/lung/restrict-to-lung.ts). */
export const MARGIN_PX = 2;

/**
 * @example
 * const c = measureSlice('intensity', 'train/3', slice.image, slice.mask);
 */
export function measureSlice(method: LungMethod, name: string, image: GrayImage, infection: GrayImage): { coverage: SliceCoverage; mask: LungMask } {
  const hu = method === 'hounsfield' ? grayToHounsfield(image) : undefined;
  const t0 = performance.now();
  const mask = hu ? lungMaskFromHounsfield(hu) : lungMaskFromGray8(image);
  const ms = performance.now() - t0;
  const infected = new Uint8Array(infection.data.length);
  for (let i = 0; i < infected.length; i++) infected[i] = infection.data[i]! > 127 ? 1 : 0;
  const inside = countInside(infected, mask.labels);
  const region = lungRegion(mask, MARGIN_PX).data;
  const dilated = countInside(infected, region);
  return {
    coverage: {
      name,
      found: mask.found,
      ...(mask.failure ? { failure: mask.failure } : {}),
      infectionPixels: inside.total,
      inside: inside.inside,
      insideDilated: dilated.inside,
      ms,
    },
    mask,
  };
}

export interface CoverageSummary {
  slices: number;
  found: number;
  /** Pixel-weighted share of all infection pixels inside the lungs (plain and dilated). */
  share: number;
  shareDilated: number;
  worst: { name: string; share: number };
  /** The median slice's share (each slice counted once, whatever its infection's size). */
  medianSliceShare: number;
  meanMs: number;
}

/** Pixel-weighted totals over a set of slices; the worst slice by plain share. */
export function summarise(rows: SliceCoverage[]): CoverageSummary {
  let infection = 0;
  let inside = 0;
  let dilated = 0;
  let ms = 0;
  let worst = { name: '', share: Infinity };
  for (const r of rows) {
    infection += r.infectionPixels;
    inside += r.inside;
    dilated += r.insideDilated;
    ms += r.ms;
    const share = r.infectionPixels ? r.inside / r.infectionPixels : 1;
    if (share < worst.share) worst = { name: r.name, share };
  }
  const perSlice = rows.map((r) => (r.infectionPixels ? r.inside / r.infectionPixels : 1)).sort((a, b) => a - b);
  return {
    medianSliceShare: perSlice.length ? perSlice[perSlice.length >> 1]! : 1,
    slices: rows.length,
    found: rows.filter((r) => r.found).length,
    share: infection ? inside / infection : 1,
    shareDilated: infection ? dilated / infection : 1,
    worst,
    meanMs: rows.length ? ms / rows.length : 0,
  };
}
