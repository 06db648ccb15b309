/** Decode errors as the edge answers them for one upload of a request. */
import { DecodeError } from '../decode/decoded-image.js';
import { EdgeError } from '../http/edge-error.js';

/**
 * A DecodeError named after the part it came from (`body`, `file[3]`), so a client knows which
 * file of a series to fix; a frame past the last is the `frame` parameter's fault, not the
 * file's. Other errors pass through unchanged.
 */
export function withUploadField(err: unknown, field: string): unknown {
  if (!(err instanceof DecodeError)) return err;
  return new EdgeError(err.status, err.code, `${field}: ${err.message}`, { field: err.code === 'frame_out_of_range' ? 'frame' : field });
}
