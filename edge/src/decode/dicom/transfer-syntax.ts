/**
 * Transfer syntaxes (PS3.5 section 10, UIDs and names from PS3.6 table A-1): the native ones, and
 * the compressed ones by name, so a 415 for one without a codec says what to convert from.
 */

/** How a dataset's elements are written: PS3.5 sections 7.1 (VR) and 7.3 (byte order). */
export interface DatasetEncoding {
  explicitVR: boolean;
  littleEndian: boolean;
}

export type TransferSyntax =
  | ({ uid: string; name: string; native: true; deflated: boolean } & DatasetEncoding)
  /** Pixel data in compressed fragments (PS3.5 A.4); codecs/frame-codecs.ts says which are decoded. */
  | { uid: string; name: string; native: false };

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

const NATIVE: readonly TransferSyntax[] = [
  { uid: IMPLICIT_VR_LITTLE_ENDIAN, name: 'Implicit VR Little Endian', native: true, deflated: false, explicitVR: false, littleEndian: true },
  { uid: EXPLICIT_VR_LITTLE_ENDIAN, name: 'Explicit VR Little Endian', native: true, deflated: false, explicitVR: true, littleEndian: true },
  { uid: DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, name: 'Deflated Explicit VR Little Endian', native: true, deflated: true, explicitVR: true, littleEndian: true },
  { uid: EXPLICIT_VR_BIG_ENDIAN, name: 'Explicit VR Big Endian', native: true, deflated: false, explicitVR: true, littleEndian: false },
  // Retired, but still written by old archives: the same bytes as Implicit VR Little Endian.
  { uid: '1.2.840.10008.1.20', name: 'Papyrus 3 Implicit VR Little Endian', native: true, deflated: false, explicitVR: false, littleEndian: true },
];

const COMPRESSED: ReadonlyArray<readonly [uid: string, name: string]> = [
  ['1.2.840.10008.1.2.1.98', 'Encapsulated Uncompressed Explicit VR Little Endian'],
  ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)'],
  ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)'],
  ['1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)'],
  ['1.2.840.10008.1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])'],
  ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless Image Compression'],
  ['1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless) Image Compression'],
  ['1.2.840.10008.1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)'],
  ['1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression'],
  ['1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)'],
  ['1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component Image Compression'],
  ['1.2.840.10008.1.2.4.94', 'JPIP Referenced'],
  ['1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate'],
  ['1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level'],
  ['1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level'],
  ['1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1'],
  ['1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1'],
  ['1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video'],
  ['1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video'],
  ['1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2'],
  ['1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1'],
  ['1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1'],
  ['1.2.840.10008.1.2.4.110', 'JPEG XL Lossless'],
  ['1.2.840.10008.1.2.4.111', 'JPEG XL JPEG Recompression'],
  ['1.2.840.10008.1.2.4.112', 'JPEG XL'],
  ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 Image Compression (Lossless Only)'],
  ['1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)'],
  ['1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000 Image Compression'],
  ['1.2.840.10008.1.2.5', 'RLE Lossless'],
];

const BY_UID = new Map<string, TransferSyntax>([
  ...NATIVE.map((ts) => [ts.uid, ts] as const),
  ...COMPRESSED.map(([uid, name]) => [uid, { uid, name, native: false }] as const),
]);

/**
 * The transfer syntax a UID names; compressed ones we do not list by name (retired JPEG processes,
 * fragmentable MPEG variants) still come back as compressed with a family name.
 * @example lookupTransferSyntax('1.2.840.10008.1.2.5') // { name: 'RLE Lossless', native: false, ... }
 */
export function lookupTransferSyntax(uid: string): TransferSyntax | undefined {
  const known = BY_UID.get(uid);
  if (known) return known;
  if (uid.startsWith('1.2.840.10008.1.2.4.')) return { uid, name: 'JPEG/MPEG-family compressed pixel data', native: false };
  return undefined;
}
