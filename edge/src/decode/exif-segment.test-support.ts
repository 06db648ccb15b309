/** Test support: puts an EXIF Orientation into a real JPEG, as a phone camera would. */

/** APP1 "Exif\0\0" + a little-endian TIFF whose IFD0 holds only Orientation. */
export function exifSegment(orientation: number): Uint8Array {
  const seg = new Uint8Array(4 + 6 + 8 + 2 + 12 + 4);
  const dv = new DataView(seg.buffer);
  seg.set([0xff, 0xe1]);
  dv.setUint16(2, seg.length - 2);
  seg.set([0x45, 0x78, 0x69, 0x66, 0, 0, 0x49, 0x49], 4);
  dv.setUint16(12, 42, true);
  dv.setUint32(14, 8, true);
  dv.setUint16(18, 1, true);
  dv.setUint16(20, 0x0112, true);
  dv.setUint16(22, 3, true);
  dv.setUint32(24, 1, true);
  dv.setUint16(28, orientation, true);
  return seg;
}

/** The JPEG with an EXIF segment right after SOI. */
export function withExif(jpg: Uint8Array, orientation: number): Uint8Array {
  const seg = exifSegment(orientation);
  const out = new Uint8Array(jpg.length + seg.length);
  out.set(jpg.subarray(0, 2));
  out.set(seg, 2);
  out.set(jpg.subarray(2), 2 + seg.length);
  return out;
}
