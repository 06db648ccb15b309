/**
 * The robustness variants of a scored slice, built in code: what real callers send instead of the
 * dataset's JPEG. Each variant is an upload (bytes and content type, as the API receives it) and
 * the ground truth transformed the same way (geometric changes move the mask with the image).
 *
 * - `ct-*`: the slice turned back into CT DICOM in Hounsfield units the way scanners store it
 *   (the window the dataset's JPEGs look made with undone: DEFAULT_LUNG_WINDOW, measured from
 *   their tissue peaks; values below -1024 HU clipped there, as stored CT has none), unsigned 12-
 *   and 16-bit with intercept -1024, signed 16-bit, with a soft tissue window stored in the file
 *   (ignored by the default lung window, applied with `file`). `ct-from-standard-window-*` undo the
 *   standard -600/1500 preset instead, which reads the JPEGs' aerated lung as -1091 HU and clips
 *   what it reads below -1024 HU (gray 0..55): the construction of the first robustness table.
 * - `photo-*`: a phone photo of the slice on a screen: upscaled, slightly rotated, re-lit (gain,
 *   offset, gamma), noisy, blurred, JPEG re-compressed, and stored sideways with an EXIF
 *   Orientation the decoder must undo.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import type { GrayImage } from '../../../shared/image/gray-image.js';
import { resizeBilinear } from '../../../shared/image/resize-bilinear.js';
import { resizeNearest } from '../../../shared/image/resize-nearest.js';
import { mulberry32 } from '../../../shared/seeded-random.js';
import { ctSliceDicom } from '../../../edge/src/decode/dicom/ct-slice.test-support.js';
import { withExif } from '../../../edge/src/decode/exif-segment.test-support.js';
import { STANDARD_LUNG_WINDOW, type WindowOption } from '../../../edge/src/imaging/window.js';
import type { Slice } from '../load-slices.js';

export type VariantFamily = 'clean' | 'hu' | 'photo';

export interface VariantUpload {
  bytes: Uint8Array;
  contentType: 'image/jpeg' | 'application/dicom';
  /** The ground truth for this upload, at the size the product answers it (the upload's upright size). */
  mask: GrayImage;
  /** The window the request names (DICOM only); the API's default when absent. */
  window?: WindowOption;
  /**
   * A candidate preprocessing step, not the product's: the 8-bit slice stretched so its darkest
   * and brightest 0.5 % become 0 and 255, to measure whether a per-image normalisation would
   * bring HU-derived slices back to the dataset's look.
   */
  stretch?: boolean;
}

export interface Variant {
  name: string;
  family: VariantFamily;
  make(slice: Slice, workDir: string): Promise<VariantUpload>;
}

/** A gray image as a 3-channel JPEG, as a phone camera writes one. */
function encodeJpeg(image: GrayImage, quality: number): Uint8Array {
  const rgba = new Uint8Array(image.width * image.height * 4);
  for (let i = 0; i < image.data.length; i++) {
    const v = image.data[i]!;
    rgba[i * 4] = v;
    rgba[i * 4 + 1] = v;
    rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width: image.width, height: image.height }, quality).data);
}

const map = (image: GrayImage, f: (v: number, i: number) => number): GrayImage => ({ ...image, data: Uint8Array.from(image.data, (v, i) => Math.min(255, Math.max(0, Math.round(f(v, i))))) });

/** Rotation about the centre by `degrees` (bilinear for the image, nearest for the mask; outside is black). */
function rotate(image: GrayImage, degrees: number, nearest: boolean): GrayImage {
  const { width: w, height: h } = image;
  const a = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(a), Math.sin(a)];
  const out = new Uint8Array(w * h);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = cos * (x - cx) + sin * (y - cy) + cx;
      const sy = -sin * (x - cx) + cos * (y - cy) + cy;
      if (sx < 0 || sy < 0 || sx > w - 1 || sy > h - 1) continue;
      if (nearest) {
        out[y * w + x] = image.data[Math.round(sy) * w + Math.round(sx)]!;
        continue;
      }
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const top = image.data[y0 * w + x0]! * (1 - fx) + image.data[y0 * w + x1]! * fx;
      const bottom = image.data[y1 * w + x0]! * (1 - fx) + image.data[y1 * w + x1]! * fx;
      out[y * w + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return { width: w, height: h, data: out };
}

/** 90 degrees counter-clockwise: stored this way, EXIF Orientation 6 ("rotate 90 CW to view") makes it upright. */
function rotateCcw(image: GrayImage): GrayImage {
  const { width: w, height: h } = image;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(w - 1 - x) * h + y] = image.data[y * w + x]!;
  return { width: h, height: w, data: out };
}

/** A 3x3 box blur applied twice (close to a Gaussian of sigma 1). */
function blur(image: GrayImage): GrayImage {
  let data = image.data;
  for (let pass = 0; pass < 2; pass++) {
    const out = new Uint8Array(data.length);
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        let sum = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || xx < 0 || yy >= image.height || xx >= image.width) continue;
            sum += data[yy * image.width + xx]!;
            n++;
          }
        }
        out[y * image.width + x] = Math.round(sum / n);
      }
    }
    data = out;
  }
  return { ...image, data };
}

let dicomCount = 0;
/** The slice as CT DICOM (ct-slice.test-support.ts writes it; the ground truth is the slice's own: the file is a stretch of it, scored back at its size). */
function ct(name: string, opts: { storage: 'unsigned-intercept' | 'signed' | 'gray8'; bitsStored?: 12 | 16; storedWindow?: { center: number; width: number }; window?: WindowOption; stretch?: boolean; sourceWindow?: { center: number; width: number } }): Variant {
  return {
    name,
    family: 'hu',
    async make(slice, workDir) {
      await mkdir(workDir, { recursive: true });
      const path = await ctSliceDicom({
        jpegPath: slice.imagePath,
        outPath: join(workDir, `${name}-${slice.name}-${dicomCount++}.dcm`),
        storage: opts.storage,
        ...(opts.bitsStored ? { bitsStored: opts.bitsStored } : {}),
        size: 512,
        ...(opts.sourceWindow ? { sourceWindow: opts.sourceWindow } : {}),
        ...(opts.storedWindow ? { window: opts.storedWindow } : {}),
      });
      return { bytes: new Uint8Array(await readFile(path)), contentType: 'application/dicom', mask: slice.mask, ...(opts.window ? { window: opts.window } : {}), ...(opts.stretch ? { stretch: true } : {}) };
    },
  };
}

function photo(name: string, change: (slice: Slice) => { image: GrayImage; mask: GrayImage; quality?: number; exif?: number }): Variant {
  return {
    name,
    family: 'photo',
    async make(slice) {
      const { image, mask, quality, exif } = change(slice);
      const jpg = encodeJpeg(image, quality ?? 90);
      return { bytes: exif ? withExif(jpg, exif) : jpg, contentType: 'image/jpeg', mask };
    },
  };
}

const SOFT_TISSUE = { center: 40, width: 400 };

const CLEAN: Variant = {
  name: 'clean (the dataset JPEG as uploaded)',
  family: 'clean',
  async make(slice) {
    return { bytes: new Uint8Array(await readFile(slice.imagePath)), contentType: 'image/jpeg', mask: slice.mask };
  },
};

/** Every variant, the clean upload first. Deterministic: the noise has a fixed seed per slice. */
export const VARIANTS: readonly Variant[] = [
  CLEAN,
  // Control: the same stretch to a 512x512 DICOM, but its 8-bit windowed gray as is (no HU, no clipping).
  ct('ct-gray8 (windowed 8-bit export, window=file; control)', { storage: 'gray8', window: { kind: 'file' } }),
  ct('ct-unsigned-12bit (intercept -1024, air clipped)', { storage: 'unsigned-intercept', bitsStored: 12 }),
  ct('ct-unsigned-16bit (intercept -1024)', { storage: 'unsigned-intercept', bitsStored: 16 }),
  ct('ct-signed-16bit', { storage: 'signed', bitsStored: 16 }),
  ct('ct-soft-tissue-window-in-file (default lung window)', { storage: 'unsigned-intercept', bitsStored: 12, storedWindow: SOFT_TISSUE }),
  ct('ct-soft-tissue-window-in-file (window=file)', { storage: 'unsigned-intercept', bitsStored: 12, storedWindow: SOFT_TISSUE, window: { kind: 'file' } }),
  // Candidates for the default preprocessing: the standard radiology preset, a per-image stretch.
  ct('ct-unsigned-12bit, window -600/1500 (the standard lung preset)', { storage: 'unsigned-intercept', bitsStored: 12, window: { kind: 'custom', ...STANDARD_LUNG_WINDOW } }),
  ct('ct-unsigned-12bit, lung window + stretch', { storage: 'unsigned-intercept', bitsStored: 12, stretch: true }),
  { ...CLEAN, name: 'clean + stretch', make: async (slice: Slice) => ({ ...(await CLEAN.make(slice, '')), stretch: true }) },
  // The first table's construction: more of the look lost to the air floor than real CT loses.
  ct('ct-from-standard-window-12bit (air floor at gray 55)', { storage: 'unsigned-intercept', bitsStored: 12, sourceWindow: STANDARD_LUNG_WINDOW }),
  ct('ct-from-standard-window-12bit, window -600/1500', { storage: 'unsigned-intercept', bitsStored: 12, sourceWindow: STANDARD_LUNG_WINDOW, window: { kind: 'custom', ...STANDARD_LUNG_WINDOW } }),
  photo('photo-upscaled-2x', (s) => ({ image: resizeBilinear(s.image, s.image.width * 2, s.image.height * 2), mask: resizeNearest(s.mask, s.mask.width * 2, s.mask.height * 2) })),
  photo('photo-rotated-4deg', (s) => ({ image: rotate(s.image, 4, false), mask: rotate(s.mask, 4, true) })),
  photo('photo-relit (gain 0.8, +25, gamma 1.2)', (s) => ({ image: map(s.image, (v) => 255 * (Math.min(255, v * 0.8 + 25) / 255) ** 1.2), mask: s.mask })),
  photo('photo-noisy (sigma 8)', (s) => {
    const random = mulberry32(Number.parseInt(s.name, 36) || 7);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return { image: map(s.image, (v) => v + 8 * gauss()), mask: s.mask };
  }),
  photo('photo-blurred (3x3 box, twice)', (s) => ({ image: blur(s.image), mask: s.mask })),
  photo('photo-jpeg-quality-40', (s) => ({ image: s.image, mask: s.mask, quality: 40 })),
  photo('photo-sideways-exif-6', (s) => ({ image: rotateCcw(s.image), mask: s.mask, exif: 6 })),
];
