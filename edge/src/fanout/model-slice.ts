/**
 * The unit of work the edge sends to the GPU workers: one slice already preprocessed to the
 * model's input size (8-bit gray, row-major), plus the upload's own size so the mask can be
 * mapped back. The imaging code produces exactly this shape; the fan-out only moves it.
 */
import type { SliceMeta } from '../../../shared/infer-protocol.js';

/**
 * One preprocessed slice. `pixels` is `inputSize * inputSize` bytes; the original size is
 * carried through the GPU worker untouched (it is part of the wire header, {@link SliceMeta}).
 */
export type ModelSlice = Pick<SliceMeta, 'originalWidth' | 'originalHeight'> & {
  pixels: Uint8Array;
};
