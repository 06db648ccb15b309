/**
 * The DICOMweb STOW-RS body, `multipart/related; type="application/dicom"` (PS3.18 §10.5), taken
 * apart by hand: its Content-Type parameters, its framing (RFC 2046 §5.1.1) and each part's
 * headers. Hand-written because the Fetch API's `formData()` reads only multipart/form-data, and
 * because a hostile body must cost time linear in its size (see byteFinder). Counting parts
 * against the request's limits is the caller's: it passes `onPart`, called before each part.
 * Runtime-neutral (Web APIs only).
 */
import { mediaType } from '../../../shared/media-type.js';
import { EdgeError } from '../http/edge-error.js';

const DICOM = 'application/dicom';
/** Part headers past this are refused: STOW-RS parts carry two or three short headers. */
const MAX_PART_HEADER_BYTES = 16 * 1024;
const CR = 13, LF = 10, DASH = 0x2d, SP = 0x20, TAB = 9;
/** Transfer encodings that leave the bytes as they are (RFC 2045 §6.2); STOW-RS sends binary. */
const IDENTITY_ENCODINGS = new Set(['binary', '8bit', '7bit']);

const invalidMultipart = (reason: string): EdgeError =>
  new EdgeError(400, 'invalid_multipart', `the multipart/related body ${reason}`, { field: 'body' });

/** A Content-Type's parameters, names lower-cased, quoted values unquoted (RFC 9110 §5.6.6). */
function parameters(contentType: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const m of contentType.matchAll(/;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
  }
  return params;
}

/**
 * RFC 2046 §5.1.1 allows 70 characters, but real DICOMweb clients send longer ones (Orthanc's
 * STOW-RS client joins two UUIDs: 73), and refusing a PACS over three characters helps nobody;
 * the bound that matters is the search cost below, which this keeps small.
 */
const MAX_BOUNDARY = 200;

/**
 * Boyer-Moore-Horspool search for one needle: sublinear on most bodies, and never worse than
 * n x needle length (a boundary is at most MAX_BOUNDARY characters), so a hostile body
 * costs a bounded multiple of its size rather than a quadratic scan.
 */
function byteFinder(needle: Uint8Array): (hay: Uint8Array, from: number) => number {
  const last = needle.length - 1;
  const skip = new Uint32Array(256).fill(needle.length);
  for (let i = 0; i < last; i++) skip[needle[i]!] = last - i;
  return (hay, from) => {
    for (let i = from; i <= hay.length - needle.length; i += skip[hay[i + last]!]!) {
      let j = last;
      while (hay[i + j] === needle[j]) if (j-- === 0) return i;
    }
    return -1;
  };
}

/**
 * The boundary and the parts' type from a multipart/related Content-Type, checked before the body
 * is read. Throws EdgeError 415 for a type parameter other than application/dicom (PS3.18
 * §10.5.1.1: metadata and bulk data parts are not read), 400 invalid_multipart for a missing or
 * over-long boundary.
 */
export function relatedParameters(contentType: string): { boundary: string; rootType: string } {
  const params = parameters(contentType);
  const rootType = mediaType(params.get('type') ?? DICOM);
  if (rootType !== DICOM) {
    throw new EdgeError(415, 'unsupported_media_type', `multipart/related type "${rootType}" is not supported; send type="${DICOM}" (metadata and bulk data parts are not read)`, { field: 'content-type' });
  }
  const boundary = params.get('boundary');
  if (!boundary) throw new EdgeError(400, 'invalid_multipart', 'the multipart/related Content-Type has no boundary parameter', { field: 'content-type' });
  if (boundary.length > MAX_BOUNDARY) throw new EdgeError(400, 'invalid_multipart', `the boundary is ${boundary.length} characters; at most ${MAX_BOUNDARY} are taken (RFC 2046 allows 70)`, { field: 'content-type' });
  return { boundary, rootType };
}

/**
 * Splits a multipart body into its parts' bytes (headers included), per RFC 2046 §5.1.1: an
 * optional preamble, `--boundary` lines ending in optional padding and CRLF, each part up to the
 * next CRLF `--boundary`, and `--boundary--` closing it (the epilogue after it is ignored).
 * `onPart` runs as each part opens, before its end is looked for, so a limit can stop the scan.
 */
export function splitMultipart(body: Uint8Array, boundary: string, onPart: () => void): Uint8Array[] {
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  const find = byteFinder(delimiter);
  const opensBody = body.length >= delimiter.length - 2 && delimiter.subarray(2).every((b, i) => body[i] === b);
  /** Just past a delimiter's `--boundary`: the close (`--`), or padding then CRLF; else content that happens to match. */
  const ending = (at: number): 'close' | number | undefined => {
    if (body[at] === DASH && body[at + 1] === DASH) return 'close';
    while (body[at] === SP || body[at] === TAB) at++;
    return body[at] === CR && body[at + 1] === LF ? at + 2 : undefined;
  };
  const nextDelimiter = (from: number): { at: number; end: 'close' | number } | undefined => {
    for (let at = find(body, from); at >= 0; at = find(body, at + 1)) {
      const end = ending(at + delimiter.length);
      if (end !== undefined) return { at, end };
    }
    return undefined;
  };

  let end = opensBody ? ending(delimiter.length - 2) : undefined;
  if (end === undefined) {
    const first = nextDelimiter(0);
    if (!first) throw invalidMultipart(`has no "--${boundary}" delimiter line`);
    end = first.end;
  }
  const parts: Uint8Array[] = [];
  while (end !== 'close') {
    onPart();
    const next = nextDelimiter(end);
    if (!next) throw invalidMultipart(`ends (at byte ${body.length}) inside part[${parts.length}], without its closing "--${boundary}--" line: truncated?`);
    parts.push(body.subarray(end, next.at));
    end = next.end;
  }
  if (parts.length === 0) throw invalidMultipart('has no parts (its first delimiter is the closing one)');
  return parts;
}

/** A part's header fields (names lower-cased, folded lines unfolded) and its content. */
function splitPart(part: Uint8Array, source: string): { headers: Map<string, string>; content: Uint8Array } {
  const headers = new Map<string, string>();
  // RFC 2046 allows a part of nothing at all: no headers, no blank line, no content.
  if (part.length === 0) return { headers, content: part };
  if (part[0] === CR && part[1] === LF) return { headers, content: part.subarray(2) };
  const end = byteFinder(new Uint8Array([CR, LF, CR, LF]))(part.subarray(0, MAX_PART_HEADER_BYTES + 4), 0);
  if (end < 0) throw invalidMultipart(`has no blank line ending the headers of ${source} within ${MAX_PART_HEADER_BYTES} bytes`);
  // Header fields are ASCII (RFC 9110 §5.5); latin1 keeps any stray byte as one character.
  let text = '';
  for (let i = 0; i < end; i++) text += String.fromCharCode(part[i]!);
  for (const line of text.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, content: part.subarray(end + 4) };
}

/**
 * One part's DICOM content, or why it is not read (`unsupported`: a type other than DICOM, or a
 * transfer encoding that is not binary). A part with no Content-Type is of the body's `rootType`.
 * Throws 400 invalid_multipart when the part's headers never end.
 */
export function relatedPartContent(part: Uint8Array, source: string, rootType: string): { content: Uint8Array } | { unsupported: string } {
  const { headers, content } = splitPart(part, source);
  const type = mediaType(headers.get('content-type') ?? rootType);
  const encoding = (headers.get('content-transfer-encoding') ?? 'binary').toLowerCase();
  if (type !== DICOM) return { unsupported: `${source} is ${type || 'of no type'}, not ${DICOM}` };
  if (!IDENTITY_ENCODINGS.has(encoding)) return { unsupported: `${source} has Content-Transfer-Encoding ${encoding}; only binary is read` };
  return { content };
}
