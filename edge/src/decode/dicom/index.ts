/** DICOM Part 10 decoding for the edge: one entry point, the modules behind it stay private. */
export { decodeDicom, dicomFrameCount, type DecodeDicomOptions } from './decode-dicom.js';
