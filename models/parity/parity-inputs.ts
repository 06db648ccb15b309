/**
 * The inputs of the ONNX-vs-PyTorch parity check: real slices (three from the validation split
 * of train/) decoded and resized by the product's own TypeScript code. export.py asks this module
 * for the bytes, so PyTorch and onnxruntime see identical inputs, and the parity test recomputes
 * them and checks their sha256, so a change in decoding or resizing cannot pass unnoticed.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resizeBilinear } from '../../shared/image/resize-bilinear.js';
import { decodeGray } from '../evaluate/load-slices.js';

export const PARITY_SIZE = 352;
const TRAIN_IMAGES = new URL('../../../shared/data/covid-semiseg/train/images/', import.meta.url);
const SPLIT = new URL('../splits/covid-semiseg-val.txt', import.meta.url);

export interface ParityInputs {
  names: string[];
  /** names.length x 352 x 352 gray bytes, back to back. */
  gray: Uint8Array;
  sha256: string;
}

export async function parityInputs(count = 3): Promise<ParityInputs> {
  const stems = (await readFile(SPLIT, 'utf8')).split('\n').map((s) => s.trim()).filter(Boolean).slice(0, count);
  const gray = new Uint8Array(stems.length * PARITY_SIZE * PARITY_SIZE);
  const names: string[] = [];
  for (const [i, stem] of stems.entries()) {
    const name = `${stem}.jpg`;
    const image = decodeGray(new Uint8Array(await readFile(new URL(name, TRAIN_IMAGES))), name);
    gray.set(resizeBilinear(image, PARITY_SIZE, PARITY_SIZE).data, i * PARITY_SIZE * PARITY_SIZE);
    names.push(`train/images/${name}`);
  }
  return { names, gray, sha256: createHash('sha256').update(gray).digest('hex') };
}
