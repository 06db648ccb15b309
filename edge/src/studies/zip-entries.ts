/**
 * Reads a zip's entries for the study upload: its central directory (Zip64 included), which
 * entries hold no instance, which cannot be read, and each kept entry's bytes, CRC-checked.
 * Ours rather than fflate's unzipSync because that trusts the sizes an archive declares: it
 * inflates a bomb to the end and hands back what the header said. Here sizes are taken from the
 * central directory, so the caller can hold their total to a limit before anything is inflated,
 * and each entry inflates through inflateBounded into exactly its declared size, refusing a byte
 * more. Entry file names are read only to skip junk; they are never quoted (they carry patient
 * names). Runtime-neutral (Web APIs only).
 */
import { crc32 } from '../../../shared/crc32.js';
import { inflateBounded } from '../decode/bounded-inflate.js';
import { DecodeError } from '../decode/decoded-image.js';
import { EdgeError } from '../http/edge-error.js';

export interface ZipEntry {
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
 * written with a data descriptor have zeros in their local header. Throws 413 too_many_instances
 * past maxEntries, before the entries are read; 400 invalid_zip for a damaged archive.
 */
export function zipDirectory(zip: Uint8Array, maxEntries: number): ZipEntry[] {
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
export function isSkipped(name: string): boolean {
  const segments = name.split(/[/\\]/);
  return name.endsWith('/') || name.endsWith('\\') || segments.includes('__MACOSX') || segments.at(-1)!.toUpperCase() === 'DICOMDIR';
}

/**
 * Why an entry is not read (`unsupported_zip_entry`: encrypted, or compressed otherwise than by
 * deflate; `empty_part`), or undefined when it is. Throws 400 invalid_zip for a stored entry
 * whose two sizes disagree: that is a damaged archive, not one bad entry.
 */
export function entryRejection(entry: ZipEntry, source: string): { code: string; reason: string } | undefined {
  if (entry.flags & 1) return { code: 'unsupported_zip_entry', reason: `${source} is encrypted` };
  if (entry.method !== 0 && entry.method !== 8) return { code: 'unsupported_zip_entry', reason: `${source} uses compression method ${entry.method}; only stored (0) and deflate (8) are read` };
  if (entry.size === 0) return { code: 'empty_part', reason: `${source} is empty (0 bytes)` };
  if (entry.method === 0 && entry.compressedSize !== entry.size) throw invalidZip(`has ${source} stored in ${entry.compressedSize} bytes but declaring ${entry.size}`);
  return undefined;
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

/**
 * A kept entry's uncompressed bytes (stored as they are, or inflated to its declared size), CRC-32
 * checked. Throws 400 invalid_zip for a damaged entry, 413 zip_too_large when it inflates past
 * what it declares. Call it only once the declared sizes have been held to the request's limit.
 */
export function entryBytes(zip: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  const data = entryData(zip, entry, source);
  const bytes = entry.method === 0 ? data : inflateEntry(data, entry, source);
  if (crc32(bytes) !== entry.crc) throw invalidZip(`has ${source} failing its CRC-32 check (damaged)`);
  return bytes;
}
