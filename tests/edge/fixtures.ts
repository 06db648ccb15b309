/**
 * Real upload files for the edge tests, read in place from ../shared/data (never copied into the
 * repo): CT slices as JPEG, PNGs made from them (8-bit, 16-bit, RGB) and the pydicom DICOM files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { concatBytes } from '../../shared/concat-bytes.js';

const DATA = new URL('../../../shared/data/', import.meta.url);

export const dataPath = (rel: string): URL => new URL(rel, DATA);
export const readData = (rel: string): Uint8Array => new Uint8Array(readFileSync(dataPath(rel)));

/** The 48 test slices' file names, sorted. */
export const testSliceNames = (): string[] => readdirSync(dataPath('covid-semiseg/test/images/')).filter((f) => f.endsWith('.jpg')).sort();
export const sliceJpeg = (name: string): Uint8Array => readData(`covid-semiseg/test/images/${name}`);
export const dicomNames = (): string[] => readdirSync(dataPath('dicom/')).filter((f) => f.endsWith('.dcm')).sort();
export const dicom = (name: string): Uint8Array => readData(`dicom/${name}`);

export interface Gray8 {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A slice's luma as decoded by jpeg-js (an independent decoder from the edge's). */
export function jpegGray(bytes: Uint8Array): Gray8 {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  const data = new Uint8Array(img.width * img.height);
  for (let i = 0; i < data.length; i++) data[i] = img.data[i * 4]!;
  return { width: img.width, height: img.height, data };
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG (no filtering) of a gray image as 8-bit gray, 16-bit gray (v * 257) or 8-bit RGB. */
export function pngOf(img: Gray8, form: 'gray8' | 'gray16' | 'rgb'): Uint8Array {
  const bytesPerPixel = form === 'gray8' ? 1 : form === 'gray16' ? 2 : 3;
  const stride = img.width * bytesPerPixel + 1;
  const raw = new Uint8Array(stride * img.height);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = img.data[y * img.width + x]!;
      const at = y * stride + 1 + x * bytesPerPixel;
      if (form === 'gray8') raw[at] = v;
      else if (form === 'gray16') raw[at] = raw[at + 1] = v; // v * 257, big-endian
      else raw[at] = raw[at + 1] = raw[at + 2] = v;
    }
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, img.width);
  view.setUint32(4, img.height);
  ihdr[8] = form === 'gray16' ? 16 : 8;
  ihdr[9] = form === 'rgb' ? 2 : 0;
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  return concatBytes(parts);
}

/** A multipart/form-data body with one `file` part per upload, in order. */
export function seriesForm(files: { bytes: Uint8Array; type: string; filename?: string }[]): FormData {
  const form = new FormData();
  for (const [i, f] of files.entries()) form.append('file', new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: f.type }), f.filename ?? `slice-${i}`);
  return form;
}
