/**
 * Turns a `POST /v1/segment` request into the uploaded files, in upload order: one raw body
 * (`image/png`, `image/jpeg`, `application/dicom`, or `application/octet-stream` judged by its
 * bytes) or a `multipart/form-data` series of `file` parts. Only the bytes and their format are
 * kept; part file names are dropped on purpose, since they often carry patient names.
 */
import { mediaType } from '../../../shared/media-type.js';
import { sniffImageType, type SniffedImageType } from '../decode/sniff.js';
import { EdgeError } from '../http/edge-error.js';

export interface UploadedSlice {
  bytes: Uint8Array;
  format: SniffedImageType;
}

export interface ReadSlicesResult {
  /** `raw`: one slice in the body (answered with a single result); `multipart`: a series. */
  shape: 'raw' | 'multipart';
  slices: UploadedSlice[];
}

/** Media types a raw body or a part may declare, and the format each one promises. */
const DECLARED: Record<string, SniffedImageType | 'sniff'> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'application/dicom': 'dicom',
  'application/octet-stream': 'sniff',
  '': 'sniff',
};

const FORMAT_NAME: Record<SniffedImageType, string> = { png: 'PNG', jpeg: 'JPEG', dicom: 'DICOM' };

/**
 * Checks the bytes against the declared type: a body labelled JPEG that is really a PNG is
 * refused rather than guessed at, so a decoder only ever sees the format it was written for.
 */
export function classifyUpload(bytes: Uint8Array, declaredType: string, field: string): UploadedSlice {
  const declared = DECLARED[declaredType];
  if (declared === undefined) {
    throw new EdgeError(415, 'unsupported_media_type', `${field}: content type "${declaredType}" is not one of image/png, image/jpeg, application/dicom`, { field });
  }
  if (bytes.length === 0) throw new EdgeError(400, 'empty_upload', `${field} is empty (0 bytes)`, { field });
  const sniffed = sniffImageType(bytes);
  if (!sniffed) {
    throw new EdgeError(415, 'unsupported_media_type', `${field} is not a PNG, JPEG or DICOM file (its first bytes match none of them)`, { field });
  }
  if (declared !== 'sniff' && declared !== sniffed) {
    throw new EdgeError(415, 'content_type_mismatch', `${field} is declared ${declaredType} but its bytes are a ${FORMAT_NAME[sniffed]} file`, { field });
  }
  return { bytes, format: sniffed };
}

/**
 * Resolves with `reading`, or throws 408 `body_timeout` when the body has not fully arrived
 * within `timeoutMs`. Cloudflare bounds the body's size (per plan) and closes connections idle
 * for 400 s, but not a body that trickles in: without this a slow client holds the request open.
 */
export async function withinBodyTimeout<T>(reading: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new EdgeError(408, 'body_timeout', `the request body did not arrive within ${timeoutMs} ms`, { field: 'body', headers: { connection: 'close' } })),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([reading, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Reads the request body into slices, refusing more than `maxSlices` parts (413), a series with
 * no `file` part (400) and a body slower than `bodyTimeoutMs` (408). The body-size limit is
 * enforced before this, by middleware.
 *
 * @example
 * const { shape, slices } = await readSlices(c.req.raw, config.maxSlicesPerRequest, config.bodyTimeoutMs);
 */
export async function readSlices(request: Request, maxSlices: number, bodyTimeoutMs: number): Promise<ReadSlicesResult> {
  const type = mediaType(request.headers.get('content-type'));
  if (type !== 'multipart/form-data') {
    const bytes = new Uint8Array(await withinBodyTimeout(request.arrayBuffer(), bodyTimeoutMs));
    return { shape: 'raw', slices: [classifyUpload(bytes, type, 'body')] };
  }
  let form: FormData;
  try {
    form = await withinBodyTimeout(request.formData(), bodyTimeoutMs);
  } catch (cause) {
    if (cause instanceof EdgeError) throw cause;
    throw new EdgeError(400, 'invalid_multipart', 'the multipart/form-data body could not be parsed', { cause });
  }
  const parts = form.getAll('file');
  if (parts.length === 0) throw new EdgeError(400, 'no_files', 'the multipart body has no "file" part', { field: 'file' });
  if (parts.length > maxSlices) {
    throw new EdgeError(413, 'too_many_slices', `${parts.length} files exceed the limit of ${maxSlices} slices per request`, { field: 'file' });
  }
  const slices: UploadedSlice[] = [];
  for (const [i, part] of parts.entries()) {
    const field = `file[${i}]`;
    if (typeof part === 'string') throw new EdgeError(400, 'invalid_multipart', `${field} is a text field, not a file`, { field });
    slices.push(classifyUpload(new Uint8Array(await part.arrayBuffer()), mediaType(part.type), field));
  }
  return { shape: 'multipart', slices };
}
