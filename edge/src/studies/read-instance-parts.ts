/**
 * Turns a `POST /v1/studies/{id}/instances` body into the DICOM instances it carries: one raw
 * `application/dicom` body, a DICOMweb STOW-RS `multipart/related` body (PS3.18 §10.5), the file
 * parts of a `multipart/form-data` form, or the file entries of a zip. A bad part or entry is
 * rejected alone (the others go on); bad framing, a limit or a slow body fails the request.
 * Whether the bytes are DICOM is the caller's next step, not this module's. Part and entry file
 * names are never kept or quoted: they often carry patient names. This module picks the reader by
 * content type and holds the request's limits; the formats themselves are read by
 * multipart-related.ts and zip-entries.ts. Runtime-neutral (Web APIs only).
 */
import { mediaType } from '../../../shared/media-type.js';
import { EdgeError } from '../http/edge-error.js';
import { withinBodyTimeout } from '../upload/read-slices.js';
import { relatedParameters, relatedPartContent, splitMultipart } from './multipart-related.js';
import { entryBytes, entryRejection, isSkipped, zipDirectory, type ZipEntry } from './zip-entries.js';

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

// ---- multipart/related (STOW-RS) ------------------------------------------------------------

async function readRelated(request: Request, contentType: string, limits: InstancePartLimits): Promise<InstanceParts> {
  const { boundary, rootType } = relatedParameters(contentType);
  const collector = new Collector(limits.maxParts);
  for (const [index, part] of splitMultipart(await readBody(request, limits), boundary, () => collector.take()).entries()) {
    const source = `part[${index}]`;
    const read = relatedPartContent(part, source, rootType);
    if ('unsupported' in read) collector.reject(index, source, 'unsupported_part_type', read.unsupported);
    else collector.accept(index, source, read.content);
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
    const rejection = entryRejection(entry, source);
    if (rejection) collector.reject(entry.index, source, rejection.code, rejection.reason);
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
    collector.accept(entry.index, source, entryBytes(zip, entry, source));
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
