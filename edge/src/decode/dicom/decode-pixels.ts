/**
 * One frame of native (uncompressed) pixel data to a DecodedImage: monochrome through the
 * Modality LUT into real-world values (Hounsfield units for CT), colour to one luminance channel.
 */
import type { DecodedImage } from '../decoded-image.js';
import type { ImageHeader } from './image-header.js';

export interface PixelByteOrder {
  /** Byte order of 16-bit samples (the dataset's). */
  littleEndian: boolean;
  /**
   * 8-bit samples in an OW value of a big-endian file are swapped in pairs (PS3.5 section 8.1.1:
   * OW is a stream of 16-bit words); OB values, and every little-endian file, are not.
   */
  swapBytePairs: boolean;
}

/** Bytes one frame takes (PS3.5 section 8.1.1), before any padding. */
export function frameByteLength(header: ImageHeader): number {
  return header.rows * header.columns * header.samplesPerPixel * (header.bitsAllocated / 8);
}

/**
 * Decodes one frame. `pixels` starts at the frame; the caller has checked that it
 * holds at least `frameByteLength(header)` bytes.
 */
export function decodePixels(pixels: Uint8Array, header: ImageHeader, order: PixelByteOrder): DecodedImage {
  const sample = sampleReader(pixels, header, order);
  const count = header.rows * header.columns;
  if (header.photometric === 'MONOCHROME1' || header.photometric === 'MONOCHROME2') {
    const data = new Float32Array(count);
    const { rescaleSlope: slope, rescaleIntercept: intercept } = header;
    for (let i = 0; i < count; i++) data[i] = sample(i) * slope + intercept;
    return {
      kind: 'hounsfield',
      width: header.columns,
      height: header.rows,
      data,
      ...(header.window ? { fileWindow: header.window } : {}),
      invert: header.photometric === 'MONOCHROME1',
    };
  }

  // Colour: planar configuration 0 interleaves R G B per pixel, 1 stores three planes.
  const [stride, planeStep] = header.planarConfiguration === 0 ? [3, 1] : [1, count];
  const data = header.bitsAllocated === 8 ? new Uint8Array(count) : new Uint16Array(count);
  if (header.photometric === 'YBR_FULL') {
    // Y is the luminance already (PS3.3 C.7.6.3.1.2).
    for (let i = 0; i < count; i++) data[i] = sample(i * stride);
  } else {
    for (let i = 0; i < count; i++) {
      const at = i * stride;
      data[i] = luminance(sample(at), sample(at + planeStep), sample(at + 2 * planeStep));
    }
  }
  return { kind: 'gray', width: header.columns, height: header.rows, data, bitDepth: header.bitsAllocated };
}

/**
 * ITU-R BT.601 luma, the weights DICOM's own YBR_FULL uses (PS3.3 C.7.6.3.1.2), in integer
 * thousandths so every runtime rounds the same way (half up).
 */
function luminance(r: number, g: number, b: number): number {
  return Math.floor((299 * r + 587 * g + 114 * b + 500) / 1000);
}

/**
 * The stored value of sample `i` (in file order): the BitsStored bits ending at HighBit, sign
 * extended when PixelRepresentation is 1 (PS3.5 section 8.1.1); bits outside them (overlays in
 * old files) are dropped.
 */
function sampleReader(pixels: Uint8Array, header: ImageHeader, order: PixelByteOrder): (i: number) => number {
  const shift = header.highBit + 1 - header.bitsStored;
  const mask = 2 ** header.bitsStored - 1;
  const range = mask + 1;
  const signBit = range / 2;
  const signed = header.signed;
  const extend = (raw: number): number => {
    const value = (raw >>> shift) & mask;
    return signed && value >= signBit ? value - range : value;
  };
  if (header.bitsAllocated === 16) {
    const view = new DataView(pixels.buffer, pixels.byteOffset, pixels.byteLength);
    const littleEndian = order.littleEndian;
    return (i) => extend(view.getUint16(2 * i, littleEndian));
  }
  const flip = order.swapBytePairs ? 1 : 0;
  return (i) => extend(pixels[i ^ flip]!);
}
