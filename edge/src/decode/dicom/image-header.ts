/**
 * Turns the Image Pixel, Multi-frame, Modality LUT and VOI LUT attributes (PS3.3 sections
 * C.7.6.3, C.7.6.6, C.11.1, C.11.2) into one checked description of the first frame, before a
 * single pixel is read: what kind of image it is, how big, how its samples are laid out.
 */
import { DecodeError } from '../decoded-image.js';
import { Tag, describeTag, type Attributes } from './attributes.js';

/** Segmentation Storage (PS3.4 B.5): its frames are masks, one per segment. */
export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';
/** The photometric interpretations decoded here and their samples per pixel (PS3.3 C.7.6.3.1.2). */
const SAMPLES_PER_PHOTOMETRIC = new Map<string, number>([['MONOCHROME1', 1], ['MONOCHROME2', 1], ['RGB', 3], ['YBR_FULL', 3]]);
/**
 * Colour models only compressed frames use (PS3.5 8.2): the codec undoes them (JPEG's YCbCr,
 * JPEG 2000's ICT/RCT), so they are read only when the pixel data is compressed.
 */
const COMPRESSED_ONLY_PHOTOMETRIC = new Map<string, number>([['YBR_FULL_422', 3], ['YBR_ICT', 3], ['YBR_RCT', 3]]);
/** Rows and Columns are US (PS3.5 table 6.2-1). */
const MAX_DIMENSION = 65535;

export type Photometric = 'MONOCHROME1' | 'MONOCHROME2' | 'RGB' | 'YBR_FULL' | 'YBR_FULL_422' | 'YBR_ICT' | 'YBR_RCT';

export interface ImageHeader {
  rows: number;
  columns: number;
  frames: number;
  photometric: Photometric;
  samplesPerPixel: 1 | 3;
  /** 0: samples interleaved per pixel (R1 G1 B1 R2 ...); 1: one plane per sample (R1 R2 ... G1 ...). */
  planarConfiguration: 0 | 1;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  /** Modality LUT: output = stored * slope + intercept (monochrome only; 1 and 0 for colour). */
  rescaleSlope: number;
  rescaleIntercept: number;
  /** The first VOI window, when the file has a usable one. */
  window: { center: number; width: number } | undefined;
}

/**
 * Checks, in order: not a segmentation, dimensions (422 when missing, 413 past `maxPixels`),
 * then the sample layout. Throws DecodeError naming the attribute that is wrong.
 */
export function readImageHeader(attributes: Attributes, maxPixels: number, compressed = false): ImageHeader {
  rejectSegmentation(attributes);
  const { rows, columns, frames } = readDimensions(attributes, maxPixels);
  const layout = readSampleLayout(attributes, compressed);
  const monochrome = layout.photometric === 'MONOCHROME1' || layout.photometric === 'MONOCHROME2';
  return {
    rows,
    columns,
    frames,
    ...layout,
    rescaleSlope: monochrome ? (attributes.decimalString(Tag.RescaleSlope) ?? 1) : 1,
    rescaleIntercept: monochrome ? (attributes.decimalString(Tag.RescaleIntercept) ?? 0) : 0,
    window: monochrome ? readWindow(attributes) : undefined,
  };
}

function rejectSegmentation(attributes: Attributes): void {
  const sopClass = attributes.text(Tag.SOPClassUID);
  const modality = attributes.text(Tag.Modality);
  if (sopClass === SEGMENTATION_STORAGE || modality === 'SEG') {
    throw new DecodeError(
      422,
      'unsupported_image_kind',
      `this is a DICOM Segmentation object (Modality ${modality ?? 'absent'}, SOP Class ` +
        `${sopClass === SEGMENTATION_STORAGE ? 'Segmentation Storage ' : ''}${sopClass ?? 'absent'}): ` +
        'its frames are binary masks, not a CT slice; send the CT image it was made from',
    );
  }
  if (attributes.uint16(Tag.BitsAllocated) === 1) {
    throw new DecodeError(422, 'unsupported_image_kind', 'BitsAllocated is 1: the pixels are a bit-packed binary mask, not a CT slice');
  }
}

function readDimensions(attributes: Attributes, maxPixels: number): { rows: number; columns: number; frames: number } {
  const rows = attributes.uint16(Tag.Rows);
  const columns = attributes.uint16(Tag.Columns);
  for (const [tag, value] of [[Tag.Rows, rows], [Tag.Columns, columns]] as const) {
    if (value === undefined) throw new DecodeError(422, 'image_dimensions_invalid', `${describeTag(tag)} is absent`);
    if (value < 1 || value > MAX_DIMENSION) {
      throw new DecodeError(422, 'image_dimensions_invalid', `${describeTag(tag)} is ${value}, must be 1 to ${MAX_DIMENSION}`);
    }
  }
  const frames = attributes.integerString(Tag.NumberOfFrames) ?? 1;
  if (frames < 1) throw new DecodeError(422, 'image_dimensions_invalid', `${describeTag(Tag.NumberOfFrames)} is ${frames}, must be at least 1`);
  const pixels = rows! * columns! * frames;
  if (pixels > maxPixels) {
    throw new DecodeError(
      413,
      'image_too_large',
      `${columns}x${rows} pixels x ${frames} frame(s) = ${pixels} pixels, more than the limit of ${maxPixels}`,
    );
  }
  return { rows: rows!, columns: columns!, frames };
}

type SampleLayout = Pick<
  ImageHeader,
  'photometric' | 'samplesPerPixel' | 'planarConfiguration' | 'bitsAllocated' | 'bitsStored' | 'highBit' | 'signed'
>;

function readSampleLayout(attributes: Attributes, compressed: boolean): SampleLayout {
  const samples = attributes.uint16(Tag.SamplesPerPixel) ?? 1;
  const photometric = attributes.text(Tag.PhotometricInterpretation) ?? (samples === 1 ? 'MONOCHROME2' : undefined);
  if (photometric === undefined) throw corrupt(`${describeTag(Tag.PhotometricInterpretation)} is absent for ${samples} samples per pixel`);
  const wantSamples = SAMPLES_PER_PHOTOMETRIC.get(photometric) ?? (compressed ? COMPRESSED_ONLY_PHOTOMETRIC.get(photometric) : undefined);
  if (wantSamples === undefined) {
    throw new DecodeError(
      422,
      'unsupported_image_kind',
      `${describeTag(Tag.PhotometricInterpretation)} ${photometric} is not decoded here (MONOCHROME1, MONOCHROME2, RGB and YBR_FULL are` +
        `${compressed ? ', and YBR_FULL_422, YBR_ICT and YBR_RCT in compressed frames' : ''})`,
    );
  }
  if (samples !== wantSamples) throw corrupt(`${describeTag(Tag.SamplesPerPixel)} is ${samples}, ${photometric} has ${wantSamples}`);

  const bitsAllocated = attributes.uint16(Tag.BitsAllocated);
  if (bitsAllocated === undefined) throw corrupt(`${describeTag(Tag.BitsAllocated)} is absent`);
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new DecodeError(
      422,
      'unsupported_image_kind',
      `${describeTag(Tag.BitsAllocated)} is ${bitsAllocated}; this decoder reads 8- and 16-bit pixels`,
    );
  }
  const bitsStored = attributes.uint16(Tag.BitsStored) ?? bitsAllocated;
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    throw corrupt(`${describeTag(Tag.BitsStored)} is ${bitsStored}, must be 1 to BitsAllocated (${bitsAllocated})`);
  }
  const highBit = attributes.uint16(Tag.HighBit) ?? bitsStored - 1;
  if (highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw corrupt(`${describeTag(Tag.HighBit)} is ${highBit}, must be ${bitsStored - 1} to ${bitsAllocated - 1}`);
  }
  const representation = attributes.uint16(Tag.PixelRepresentation) ?? 0;
  if (representation !== 0 && representation !== 1) throw corrupt(`${describeTag(Tag.PixelRepresentation)} is ${representation}, must be 0 or 1`);
  if (samples === 3 && representation === 1) {
    throw new DecodeError(422, 'unsupported_image_kind', `${photometric} with signed samples (PixelRepresentation 1) is not decoded here`);
  }
  const planar = samples === 3 ? (attributes.uint16(Tag.PlanarConfiguration) ?? 0) : 0;
  if (planar !== 0 && planar !== 1) throw corrupt(`${describeTag(Tag.PlanarConfiguration)} is ${planar}, must be 0 or 1`);

  return {
    photometric: photometric as Photometric,
    samplesPerPixel: samples as 1 | 3,
    planarConfiguration: planar,
    bitsAllocated,
    bitsStored,
    highBit,
    signed: representation === 1,
  };
}

/**
 * The first WindowCenter/WindowWidth pair. A window is a display hint, so a malformed or
 * non-positive one (width must be >= 1, PS3.3 C.11.2.1.2) is dropped rather than failing the image.
 */
function readWindow(attributes: Attributes): ImageHeader['window'] {
  try {
    const center = attributes.decimalString(Tag.WindowCenter);
    const width = attributes.decimalString(Tag.WindowWidth);
    return center !== undefined && width !== undefined && width > 0 ? { center, width } : undefined;
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}

function corrupt(message: string): DecodeError {
  return new DecodeError(422, 'image_corrupt', message);
}
