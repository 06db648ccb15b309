/**
 * The DICOM "linear" VOI LUT function: real-world values (Hounsfield units) to 8-bit display
 * values through a window, with MONOCHROME1 inversion. Runtime-neutral (Web APIs only).
 */
import type { VoiWindow } from './window.js';

/**
 * Maps real-world values to 0..255 with the DICOM "linear" VOI LUT function (PS3.3 C.11.2.1.2.1):
 *
 *     x <= c - 0.5 - (w-1)/2  -> 0
 *     x >  c - 0.5 + (w-1)/2  -> 255
 *     else ((x - (c - 0.5)) / (w-1) + 0.5) * 255, rounded half up
 *
 * then `255 - y` when `invert` (MONOCHROME1 shows higher values darker, PS3.3 C.7.6.3.1.2).
 *
 * @example
 * const gray = applyVoiWindow(image.data, DEFAULT_LUNG_WINDOW, image.invert);
 */
export function applyVoiWindow(values: Float32Array, window: VoiWindow, invert: boolean): Uint8Array {
  const { center, width } = window;
  if (!Number.isFinite(center) || !Number.isFinite(width) || width < 1) {
    throw new RangeError(`window: center ${center} width ${width} is not a finite window with width >= 1`);
  }
  const lo = center - 0.5 - (width - 1) / 2;
  const hi = center - 0.5 + (width - 1) / 2;
  // width 1 leaves no values strictly between lo and hi, so the division never happens then.
  const span = width - 1;
  const mid = center - 0.5;
  const black = invert ? 255 : 0;
  const white = 255 - black;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x <= lo) out[i] = black;
    else if (x > hi) out[i] = white;
    else {
      // Multiplying before dividing keeps exact ties exact (integer HU, half-integer centres):
      // (x - mid) * 255 has no rounding error and one division lands exactly on a representable
      // .5, which then rounds up as the formula says instead of by float noise. y is the value
      // plus 0.5, in [0.5, 255.5]; a Uint8Array store truncates, so this rounds half up.
      const y = ((x - mid) * 255) / span + 128; // 127.5 + 0.5
      out[i] = invert ? 255 - (y | 0) : y;
    }
  }
  return out;
}
