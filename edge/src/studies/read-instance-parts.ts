/**
 * Turns a `POST /v1/studies/{id}/instances` body into the DICOM instances it carries: one raw
 * `application/dicom` body, a DICOMweb STOW-RS `multipart/related` body (PS3.18 §10.5), the file
 * parts of a `multipart/form-data` form, or the file entries of a zip. A bad part or entry is
 * rejected alone (the others go on); bad framing, a limit or a slow body fails the request.
 * Whether the bytes are DICOM is the caller's next step, not this module's. Part and entry file
 * names are never kept or quoted: they often carry patient names. Runtime-neutral (Web APIs only).
 */
import { crc32 } from '../../../shared/crc32.js';
import { mediaType } from '../../../shared/media-type.js';
import { inflateBounded } from '../decode/bounded-inflate.js';
import { DecodeError } from '../decode/decoded-image.js';
import { EdgeError } from '../http/edge-error.js';
import { withinBodyTimeout } from '../upload/read-slices.js';

export interface InstancePart {
  /** Position in the body, from 0: the body itself, the part, or the zip's central-directory entry. */
  index: number;
  bytes: Uint8Array;
  /** where it came from, for messages: 'body' | 'part[3]' | 'zip entry 12' (never the entry's file name: names carry patient data) */
  source: string;
}

export interface PartRejection {
  index: number;
  source: string;
  /** `empty_part`, `unsupported_part_type` or `unsupported_zip_entry`. */
  code: string;
  reason: string;
}

export interface InstancePartLimits {
  /** Instances (parts, or zip file entries) in one request, rejected ones included. */
  maxParts: number;
  /** Entries in a zip's central directory, directories and skipped junk included. */
  maxZipEntries: number;
  /** The uncompressed size the zip's kept entries may declare, and so inflate to, together. */
  maxUnzippedBytes: number;
  bodyTimeoutMs: number;
}

export interface InstanceParts {
  parts: InstancePart[];
  rejected: PartRejection[];
}

const DICOM = 'application/dicom';
const ACCEPTED = `${DICOM}, multipart/related; type="${DICOM}", multipart/form-data, application/zip`;

/** Collects parts in body order and stops the read as soon as one more would break maxParts. */
class Collector implements InstanceParts {
  parts: InstancePart[] = [];
  rejected: PartRejection[] = [];
  private count = 0;
  constructor(private readonly maxParts: number) {}

  /** Counts one more instance; 413 past the limit, before its bytes are looked at. */
  take(): void {
    if (++this.count > this.maxParts) {
      throw new EdgeError(413, 'too_many_instances', `the body holds more than ${this.maxParts} instances, the limit per request`, { field: 'body' });
    }
  }

  accept(index: number, source: string, bytes: Uint8Array): void {
    if (bytes.length === 0) this.reject(index, source, 'empty_part', `${source} is empty (0 bytes)`);
    else this.parts.push({ index, bytes, source });
  }

  reject(index: number, source: string, code: string, reason: string): void {
    this.rejected.push({ index, source, code, reason });
  }
}

const readBody = async (request: Request, limits: InstancePartLimits): Promise<Uint8Array> =>
  new Uint8Array(await withinBodyTimeout(request.arrayBuffer(), limits.bodyTimeoutMs));

// ---- Content-Type parameters and byte search ------------------------------------------------

/** A Content-Type's parameters, names lower-cased, quoted values unquoted (RFC 9110 §5.6.6). */
function parameters(contentType: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const m of contentType.matchAll(/;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
  }
  return params;
}

/**
 * Boyer-Moore-Horspool search for one needle: sublinear on most bodies, and never worse than
 * n x needle length (a boundary is at most 70 characters, RFC 2046 §5.1.1), so a hostile body
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

// ---- multipart/related (STOW-RS) ------------------------------------------------------------

/** Part headers past this are refused: STOW-RS parts carry two or three short headers. */
const MAX_PART_HEADER_BYTES = 16 * 1024;
const CR = 13, LF = 10, DASH = 0x2d, SP = 0x20, TAB = 9;

const invalidMultipart = (reason: string): EdgeError =>
  new EdgeError(400, 'invalid_multipart', `the multipart/related body ${reason}`, { field: 'body' });

/**
 * Splits a multipart body into its parts' bytes (headers included), per RFC 2046 §5.1.1: an
 * optional preamble, `--boundary` lines ending in optional padding and CRLF, each part up to the
 * next CRLF `--boundary`, and `--boundary--` closing it (the epilogue after it is ignored).
 */
function splitMultipart(body: Uint8Array, boundary: string, collector: Collector): Uint8Array[] {
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
    collector.take();
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

/** Transfer encodings that leave the bytes as they are (RFC 2045 §6.2); STOW-RS sends binary. */
const IDENTITY_ENCODINGS = new Set(['binary', '8bit', '7bit']);

async function readRelated(request: Request, contentType: string, limits: InstancePartLimits): Promise<InstanceParts> {
  const params = parameters(contentType);
  // PS3.18 §10.5.1.1: the type parameter names the parts' type; only DICOM instances are read here.
  const rootType = mediaType(params.get('type') ?? DICOM);
  if (rootType !== DICOM) {
    throw new EdgeError(415, 'unsupported_media_type', `multipart/related type "${rootType}" is not supported; send type="${DICOM}" (metadata and bulk data parts are not read)`, { field: 'content-type' });
  }
  const boundary = params.get('boundary');
  if (!boundary) throw new EdgeError(400, 'invalid_multipart', 'the multipart/related Content-Type has no boundary parameter', { field: 'content-type' });
  if (boundary.length > 70) throw new EdgeError(400, 'invalid_multipart', `the boundary is ${boundary.length} characters; RFC 2046 allows 70`, { field: 'content-type' });
  const collector = new Collector(limits.maxParts);
  for (const [index, part] of splitMultipart(await readBody(request, limits), boundary, collector).entries()) {
    const source = `part[${index}]`;
    const { headers, content } = splitPart(part, source);
    const type = mediaType(headers.get('content-type') ?? rootType);
    const encoding = (headers.get('content-transfer-encoding') ?? 'binary').toLowerCase();
    if (type !== DICOM) collector.reject(index, source, 'unsupported_part_type', `${source} is ${type || 'of no type'}, not ${DICOM}`);
    else if (!IDENTITY_ENCODINGS.has(encoding)) collector.reject(index, source, 'unsupported_part_type', `${source} has Content-Transfer-Encoding ${encoding}; only binary is read`);
    else collector.accept(index, source, content);
  }
  return collector;
}

// ---- multipart/form-data --------------------------------------------------------------------

async function readForm(request: Request, _contentType: string, limits: InstancePartLimits): Promise<InstanceParts> {
  let form: FormData;
  try {
    form = await withinBodyTimeout(request.formData(), limits.bodyTimeoutMs);
  } catch (cause) {
    if (cause instanceof EdgeError) throw cause;
    throw new EdgeError(400, 'invalid_multipart', 'the multipart/form-data body could not be parsed', { field: 'body', cause });
  }
  const collector = new Collector(limits.maxParts);
  let index = 0;
  for (const [, value] of form) {
    const source = `part[${index}]`;
    // Text fields (a description, a client's own ids) are not instances.
    if (typeof value !== 'string') {
      collector.take();
      collector.accept(index, source, new Uint8Array(await value.arrayBuffer()));
    }
    index++;
  }
  return collector;
}

// ---- zip --------------------------------------------------------------------------------------

interface ZipEntry {
  index: number;
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const invalidZip = (reason: string): EdgeError => new EdgeError(400, 'invalid_zip', `the zip ${reason}`, { field: 'body' });
const MAX32 = 0xffffffff;

/**
 * The zip's central directory (APPNOTE 4.3.12-4.3.16, Zip64 included), read without inflating
 * anything. The central directory, not the local headers, is what sizes are taken from: entries
 * written with a data descriptor have zeros in their local header.
 */
function zipDirectory(zip: Uint8Array, maxEntries: number): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): number => Number(view.getBigUint64(at, true));
  const within = (at: number, length: number): boolean => at >= 0 && at + length <= zip.length;

  // The end record is the last 22 bytes, or up to 65535 more when it has a comment.
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.length - eocd <= 22 + 0xffff && u32(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0 || zip.length - eocd > 22 + 0xffff) throw invalidZip('has no end-of-central-directory record (truncated, or not a zip)');
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0) throw invalidZip('spans several disks');
  let count = u16(eocd + 10);
  let dirSize = u32(eocd + 12);
  let dirOffset = u32(eocd + 16);
  if ((count === 0xffff || dirSize === MAX32 || dirOffset === MAX32) && within(eocd - 20, 20) && u32(eocd - 20) === 0x07064b50) {
    const z64 = u64(eocd - 12);
    if (!within(z64, 56) || u32(z64) !== 0x06064b50) throw invalidZip('has a Zip64 locator that points at no Zip64 end record');
    [count, dirSize, dirOffset] = [u64(z64 + 32), u64(z64 + 40), u64(z64 + 48)];
  }
  if (count > maxEntries) {
    throw new EdgeError(413, 'too_many_instances', `the zip has ${count} entries, over the limit of ${maxEntries}`, { field: 'body' });
  }
  if (!within(dirOffset, dirSize)) throw invalidZip('has a central directory outside the archive (truncated?)');

  const names = new TextDecoder();
  const entries: ZipEntry[] = [];
  for (let index = 0, at = dirOffset; index < count; index++) {
    if (!within(at, 46) || u32(at) !== 0x02014b50) throw invalidZip(`has a damaged central directory at entry ${index}`);
    const [nameLength, extraLength, commentLength] = [u16(at + 28), u16(at + 30), u16(at + 32)];
    if (!within(at + 46, nameLength + extraLength)) throw invalidZip(`has a damaged central directory at entry ${index}`);
    const entry: ZipEntry = {
      index,
      name: names.decode(zip.subarray(at + 46, at + 46 + nameLength)),
      flags: u16(at + 8),
      method: u16(at + 10),
      crc: u32(at + 16),
      compressedSize: u32(at + 20),
      size: u32(at + 24),
      localOffset: u32(at + 42),
    };
    // Zip64 extra field (id 1): the 8-byte values of those fields that read 0xFFFFFFFF, in this order.
    for (let x = at + 46 + nameLength, end = x + extraLength; x + 4 <= end; x += 4 + u16(x + 2)) {
      if (u16(x) !== 1) continue;
      let v = x + 4;
      for (const field of ['size', 'compressedSize', 'localOffset'] as const) {
        if (entry[field] !== MAX32 || v + 8 > end) continue;
        entry[field] = u64(v);
        v += 8;
      }
    }
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Directories, macOS resource-fork junk and a DICOMDIR index hold no instance: skipped, not rejected. */
function isSkipped(name: string): boolean {
  const segments = name.split(/[/\\]/);
  return name.endsWith('/') || name.endsWith('\\') || segments.includes('__MACOSX') || segments.at(-1)!.toUpperCase() === 'DICOMDIR';
}

/** An entry's stored bytes, found through its local header (whose name and extra lengths may differ from the central ones). */
function entryData(zip: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = entry.localOffset;
  if (at + 30 > zip.length || view.getUint32(at, true) !== 0x04034b50) throw invalidZip(`has no local header where ${source} should start`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > zip.length) throw invalidZip(`ends inside ${source} (truncated?)`);
  return zip.subarray(start, start + entry.compressedSize);
}

/**
 * Inflates one deflated entry into a buffer of exactly the size it declares, refusing one byte
 * more. The declaration cannot be trusted (a bomb declares little and inflates to gigabytes), and
 * the declarations were already held to maxUnzippedBytes together, so the declared size is the
 * bound: the real output and the CPU spent on it stop there.
 */
function inflateEntry(data: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  try {
    const { bytes } = inflateBounded(data, { format: 'raw', maxBytes: entry.size, size: 'exact', what: source, limit: { status: 413, reason: 'more than its zip header declares' } });
    if (bytes.length !== entry.size) throw invalidZip(`has ${source} inflating to ${bytes.length} bytes, not the ${entry.size} its header declares`);
    return bytes;
  } catch (cause) {
    if (!(cause instanceof DecodeError)) throw cause;
    if (cause.status === 413) throw new EdgeError(413, 'zip_too_large', `the zip's ${cause.message}`, { field: 'body', cause });
    throw new EdgeError(400, 'invalid_zip', `the zip's ${cause.message}`, { field: 'body', cause });
  }
}

async function readZip(request: Request, _contentType: string, limits: InstancePartLimits): Promise<InstanceParts> {
  const zip = await readBody(request, limits);
  const collector = new Collector(limits.maxParts);
  // Every entry is judged, and the declared total held to the limit, before anything is inflated.
  const kept: ZipEntry[] = [];
  let declared = 0;
  for (const entry of zipDirectory(zip, limits.maxZipEntries)) {
    if (isSkipped(entry.name)) continue;
    collector.take();
    const source = `zip entry ${entry.index}`;
    if (entry.flags & 1) collector.reject(entry.index, source, 'unsupported_zip_entry', `${source} is encrypted`);
    else if (entry.method !== 0 && entry.method !== 8) collector.reject(entry.index, source, 'unsupported_zip_entry', `${source} uses compression method ${entry.method}; only stored (0) and deflate (8) are read`);
    else if (entry.size === 0) collector.reject(entry.index, source, 'empty_part', `${source} is empty (0 bytes)`);
    else if (entry.method === 0 && entry.compressedSize !== entry.size) throw invalidZip(`has ${source} stored in ${entry.compressedSize} bytes but declaring ${entry.size}`);
    else {
      kept.push(entry);
      declared += entry.size;
    }
  }
  if (declared > limits.maxUnzippedBytes) {
    throw new EdgeError(413, 'zip_too_large', `the zip's entries declare ${declared} bytes uncompressed, over the limit of ${limits.maxUnzippedBytes}`, { field: 'body' });
  }
  for (const entry of kept) {
    const source = `zip entry ${entry.index}`;
    const data = entryData(zip, entry, source);
    const bytes = entry.method === 0 ? data : inflateEntry(data, entry, source);
    if (crc32(bytes) !== entry.crc) throw invalidZip(`has ${source} failing its CRC-32 check (damaged)`);
    collector.accept(entry.index, source, bytes);
  }
  return collector;
}

// ---- the route's reader ---------------------------------------------------------------------

async function readSingle(request: Request, _contentType: string, limits: InstancePartLimits): Promise<InstanceParts> {
  const collector = new Collector(limits.maxParts);
  collector.take();
  collector.accept(0, 'body', await readBody(request, limits));
  return collector;
}

/** One reader per accepted media type. */
const READERS: Record<string, (request: Request, contentType: string, limits: InstancePartLimits) => Promise<InstanceParts>> = {
  [DICOM]: readSingle,
  'multipart/related': readRelated,
  'multipart/form-data': readForm,
  'application/zip': readZip,
  'application/x-zip-compressed': readZip,
};

/**
 * Reads the instances of one upload, in body order. Throws EdgeError: 415 unsupported_media_type
 * (field content-type), 400 invalid_multipart / invalid_zip, 413 too_many_instances / zip_too_large,
 * 408 body_timeout. Parts that are empty, not DICOM-typed, encrypted or compressed otherwise than
 * by deflate come back in `rejected`. The body-size limit is enforced before this, by middleware.
 *
 * @example
 * const { parts, rejected } = await readInstanceParts(c.req.raw, { maxParts: 600, maxZipEntries: 2000, maxUnzippedBytes: 512 * 2 ** 20, bodyTimeoutMs: 30_000 });
 */
export async function readInstanceParts(request: Request, limits: InstancePartLimits): Promise<{ parts: InstancePart[]; rejected: PartRejection[] }> {
  const contentType = request.headers.get('content-type') ?? '';
  const read = READERS[mediaType(contentType)];
  if (!read) {
    throw new EdgeError(415, 'unsupported_media_type', `content type "${mediaType(contentType)}" is not one of ${ACCEPTED}`, { field: 'content-type' });
  }
  const { parts, rejected } = await read(request, contentType, limits);
  return { parts, rejected };
}
