/**
 * The PyTorch side of the parity check as models/export.py stored it: probabilities for the
 * parity inputs (u16 = round(p * 65535), gzip) and the sha256 of the ONNX file and of the
 * inputs they belong to. The parity test and the shipped-model end-to-end test read them here.
 * BSNET_PARITY_MANIFEST / BSNET_PARITY_DIR point both at a fresh export before it ships.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PARITY_SIZE } from './parity-inputs.js';

export const PARITY_MANIFEST = process.env.BSNET_PARITY_MANIFEST ?? fileURLToPath(new URL('../bsnet.manifest.json', import.meta.url));
const PARITY_DIR = process.env.BSNET_PARITY_DIR ?? fileURLToPath(new URL('./', import.meta.url));

export interface ParityVectors {
  /** The ONNX file the vectors belong to. */
  onnxSha256: string;
  /** The parity inputs PyTorch saw (parity-inputs.ts must hash to it). */
  inputsSha256: string;
  count: number;
  /** count x 352 x 352 PyTorch probabilities in 0..1, back to back. */
  probabilities: Float32Array;
}

export async function loadParityVectors(): Promise<ParityVectors> {
  const meta = JSON.parse(await readFile(resolve(PARITY_DIR, 'bsnet-parity.json'), 'utf8')) as {
    onnx_sha256: string;
    inputs_sha256: string;
    shape: [number, number, number];
  };
  const [count, height, width] = meta.shape;
  if (height !== PARITY_SIZE || width !== PARITY_SIZE) throw new Error(`parity vectors are ${height}x${width}; the inputs are ${PARITY_SIZE}x${PARITY_SIZE}`);
  const golden = gunzipSync(await readFile(resolve(PARITY_DIR, 'bsnet-parity.u16.gz')));
  const u16 = new Uint16Array(golden.buffer, golden.byteOffset, golden.byteLength / 2);
  if (u16.length !== count * height * width) throw new Error(`bsnet-parity.u16.gz holds ${u16.length} values; shape ${meta.shape.join('x')} needs ${count * height * width}`);
  return { onnxSha256: meta.onnx_sha256, inputsSha256: meta.inputs_sha256, count, probabilities: Float32Array.from(u16, (v) => v / 65535) };
}

/** Largest |a[i] * scaleA - b[i]| over two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, scaleA = 1): number {
  if (a.length !== b.length) throw new RangeError(`arrays differ in length: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! * scaleA - b[i]!));
  return max;
}
