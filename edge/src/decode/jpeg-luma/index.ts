/** Luma-only, reduced-scale JPEG decoding for the edge: the entry point and its types. */
export { decodeJpegLuma, MAX_SCANS, type JpegLuma, type JpegLumaOptions } from './decode-jpeg-luma.js';
export type { ScaleDenominator } from './zigzag.js';
