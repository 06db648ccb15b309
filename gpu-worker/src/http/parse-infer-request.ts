/**
 * Turns a signed request body into validated slices, or a WorkerError that names what is wrong.
 * Every size is checked against the header *and* the model before a byte is interpreted, so a
 * lying header can neither over-read nor make the worker allocate.
 */
import { decodeFrame } from '../../../shared/frame-codec.js';
import { InferRequestHeader } from '../../../shared/infer-protocol.js';
import { issueField } from '../../../shared/zod-issue.js';
import { WorkerError } from './worker-error.js';

export interface InferLimits {
  inputSize: number;
  maxSlicesPerRequest: number;
}

export interface ParsedInferRequest {
  header: InferRequestHeader;
  /** Zero-copy views into the body, one per slice. */
  slices: Uint8Array[];
}

export function parseInferRequest(body: Uint8Array, { inputSize, maxSlicesPerRequest }: InferLimits): ParsedInferRequest {
  // A FrameError is a 400 problem already, with its own code.
  const frame = decodeFrame(body);
  const parsed = InferRequestHeader.safeParse(frame.header);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issueField(issue);
    throw new WorkerError(400, 'invalid_header', `header${field ? ` field ${field}` : ''}: ${issue.message}`, { field: field || 'header' });
  }
  const header = parsed.data;
  if (header.slices.length > maxSlicesPerRequest) {
    throw new WorkerError(413, 'too_many_slices', `${header.slices.length} slices in one request; the limit is ${maxSlicesPerRequest}`, {
      field: 'slices',
    });
  }
  header.slices.forEach((s, i) => {
    if (s.width !== inputSize || s.height !== inputSize) {
      throw new WorkerError(422, 'slice_size_mismatch', `slices[${i}] is ${s.width}x${s.height}; the model takes ${inputSize}x${inputSize}`, {
        field: `slices[${i}]`,
      });
    }
  });
  const sliceBytes = inputSize * inputSize;
  const expected = header.slices.length * sliceBytes;
  if (frame.payload.length !== expected) {
    throw new WorkerError(
      400,
      'payload_size_mismatch',
      `payload is ${frame.payload.length} bytes; ${header.slices.length} slices of ${inputSize}x${inputSize} need ${expected}`,
      { field: 'payload' },
    );
  }
  const slices = header.slices.map((_, i) => frame.payload.subarray(i * sliceBytes, (i + 1) * sliceBytes));
  return { header, slices };
}
