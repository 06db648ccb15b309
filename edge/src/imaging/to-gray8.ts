/**
 * Any decoded upload to the 8-bit gray slice the model's preprocessing starts from, at the
 * upload's own size: 8-bit as is, 16-bit scaled to 8, Hounsfield units through a VOI window.
 * Runtime-neutral (Web APIs only).
 */
import { assertImageShape, type GrayImage } from '../../../shared/image/gray-image.js';
import type { DecodedImage } from '../decode/decoded-image.js';
import { applyVoiWindow } from './voi-lut.js';
import { DEFAULT_WINDOW_OPTION, resolveWindow, type WindowOption } from './window.js';

/**
 * 16-bit samples to 8-bit: round(v / 257), in integers. 257 = 65535 / 255 is the factor of the
 * usual 8 -> 16 expansion (v * 257, i.e. the byte repeated), so a 16-bit PNG made from an 8-bit
 * slice comes back to exactly its pixels. v = 257k + r rounds up when r >= 129, which is what
 * floor((v + 128) / 257) does.
 */
export function gray16ToGray8(samples: Uint16Array | Uint8Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i]! + 128) / 257;
  return out;
}

/**
 * The 8-bit gray image of a decoded upload. `window` applies to DICOM (Hounsfield) images only;
 * PNG and JPEG pixels are display values already. An 8-bit image's buffer is shared, not copied.
 *
 * @example
 * const gray = toGray8(await decodeDicom(bytes), { kind: 'file' });
 */
export function toGray8(image: DecodedImage, window: WindowOption = DEFAULT_WINDOW_OPTION): GrayImage {
  assertImageShape(image, 'decoded image');
  const { width, height } = image;
  if (image.kind === 'hounsfield') {
    return { width, height, data: applyVoiWindow(image.data, resolveWindow(window, image.fileWindow), image.invert) };
  }
  if (image.bitDepth === 16) return { width, height, data: gray16ToGray8(image.data) };
  // 8-bit samples that arrive in a wider array still fit a byte each.
  return { width, height, data: image.data instanceof Uint8Array ? image.data : Uint8Array.from(image.data) };
}
