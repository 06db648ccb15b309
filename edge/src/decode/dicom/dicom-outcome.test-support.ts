/**
 * Test support for the decodeDicom tests: reads a file of ../shared/data/dicom (pydicom's test
 * files) and runs the decoder, resolving to the image or to the DecodeError it was meant to give.
 */
import { readFileSync } from 'node:fs';
import { DecodeError, type DecodedImage } from '../decoded-image.js';
import { nodeCodecWasm } from './codecs/codec-wasm.node.js';
import { decodeDicom, type DecodeDicomOptions } from './index.js';

// edge/src/decode/dicom/ -> five levels up is the folder holding the repository and shared/.
export const DATA = new URL('../../../../../shared/data/dicom/', import.meta.url);
export const read = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DATA)));

/**
 * Resolves to the image, or to the DecodeError; any other error fails the test as it is. The
 * codecs' wasm is loaded from disk as in Node; the edge tests run the same codecs in workerd.
 */
export async function outcome(bytes: Uint8Array, opts?: DecodeDicomOptions): Promise<DecodedImage | DecodeError> {
  try {
    return await decodeDicom(bytes, { wasm: nodeCodecWasm, ...opts });
  } catch (err) {
    if (err instanceof DecodeError) return err;
    throw err;
  }
}

/** The DecodeError the bytes must give; an image fails the test with what it was. */
export async function decodeError(bytes: Uint8Array, opts?: DecodeDicomOptions): Promise<DecodeError> {
  const result = await outcome(bytes, opts);
  if (!(result instanceof DecodeError)) throw new Error(`expected a DecodeError, got a ${result.width}x${result.height} image`);
  return result;
}

/** The image the bytes must give; a DecodeError fails the test with its status, code and message. */
export async function decoded(bytes: Uint8Array, opts?: DecodeDicomOptions): Promise<DecodedImage> {
  const result = await outcome(bytes, opts);
  if (result instanceof DecodeError) throw new Error(`expected an image, got ${result.status} ${result.code}: ${result.message}`);
  return result;
}
