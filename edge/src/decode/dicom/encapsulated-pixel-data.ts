/**
 * Encapsulated Pixel Data (PS3.5 A.4): after (7FE0,0010) of undefined length come items, the
 * first holding the Basic Offset Table (empty, or one 32-bit offset per frame), then the
 * fragments of the compressed frames, then a sequence delimiter. This module finds the bytes of
 * one frame's codestream: by the offset table when there is one, by one fragment per frame when
 * the counts agree, and otherwise by where each codestream starts (its SOI/SOC marker), since
 * encoders may split a frame across fragments and leave the table empty.
 */
import { concatBytes } from '../../../../shared/concat-bytes.js';
import { DecodeError } from '../decoded-image.js';
import { Tag, describeTag } from './attributes.js';
import type { ByteReader } from './byte-reader.js';
import { ITEM, SEQUENCE_DELIMITATION, formatTag } from './element-header.js';

export interface Fragment {
  /** Offset of the fragment's value in the file. */
  offset: number;
  length: number;
  /** Offset of its item header from the first fragment's item header: what the offset table counts. */
  itemOffset: number;
}

export interface EncapsulatedPixelData {
  /** The Basic Offset Table's entries; empty when the table is. */
  offsetTable: number[];
  fragments: Fragment[];
}

/** More fragments than any encoder writes for the pixel cap (1 KiB fragments of 64 MB). */
const MAX_FRAGMENTS = 65536;

const damaged = (message: string): DecodeError => new DecodeError(422, 'encapsulation_corrupt', message);

/**
 * Reads the items of encapsulated Pixel Data whose value starts at `start` (just past the
 * element header). Items are always little endian (every encapsulated syntax is).
 * @example const { offsetTable, fragments } = readEncapsulatedPixelData(reader, pixelData.valueOffset)
 */
export function readEncapsulatedPixelData(reader: ByteReader, start: number): EncapsulatedPixelData {
  const what = `item of ${describeTag(Tag.PixelData)}`;
  const itemAt = (offset: number): { tag: number; length: number } => {
    if (!reader.has(offset, 8)) {
      throw new DecodeError(422, 'codestream_truncated', `the encapsulated ${describeTag(Tag.PixelData)} ends at offset ${reader.length} without its sequence delimiter: the file is cut short`);
    }
    const tag = ((reader.uint16(offset, what) << 16) | reader.uint16(offset + 2, what)) >>> 0;
    return { tag, length: reader.uint32(offset + 4, what) };
  };

  const table = itemAt(start);
  if (table.tag !== ITEM) throw damaged(`encapsulated ${describeTag(Tag.PixelData)} starts with ${formatTag(table.tag)}, not the Basic Offset Table item`);
  if (table.length % 4 !== 0) throw damaged(`the Basic Offset Table is ${table.length} bytes, not a multiple of 4`);
  if (!reader.has(start + 8, table.length)) {
    throw new DecodeError(422, 'codestream_truncated', `the Basic Offset Table of ${table.length} bytes runs past the end of the file`);
  }
  const offsetTable: number[] = [];
  for (let at = start + 8; at < start + 8 + table.length; at += 4) offsetTable.push(reader.uint32(at, 'Basic Offset Table entry'));

  const fragments: Fragment[] = [];
  const first = start + 8 + table.length;
  let offset = first;
  for (;;) {
    const item = itemAt(offset);
    if (item.tag === SEQUENCE_DELIMITATION) break;
    if (item.tag !== ITEM) throw damaged(`encapsulated ${describeTag(Tag.PixelData)} holds ${formatTag(item.tag)} at offset ${offset} where a fragment item belongs`);
    if (!reader.has(offset + 8, item.length)) {
      throw new DecodeError(422, 'codestream_truncated', `fragment ${fragments.length + 1} at offset ${offset} is ${item.length} bytes, but the file ends at ${reader.length}`);
    }
    if (fragments.length === MAX_FRAGMENTS) throw damaged(`encapsulated ${describeTag(Tag.PixelData)} has more than ${MAX_FRAGMENTS} fragments`);
    fragments.push({ offset: offset + 8, length: item.length, itemOffset: offset - first });
    offset += 8 + item.length;
  }
  if (fragments.length === 0) throw new DecodeError(422, 'frame_missing', `encapsulated ${describeTag(Tag.PixelData)} holds no fragment: there is no frame to decode`);
  return { offsetTable, fragments };
}

export interface FrameSplit {
  /** Whether a fragment's bytes begin a new codestream (JPEG SOI, J2K SOC); absent for RLE. */
  startsCodestream?: (bytes: Uint8Array) => boolean;
  /** RLE Lossless puts each frame in exactly one fragment (PS3.5 A.4.2). */
  oneFragmentPerFrame?: boolean;
}

/**
 * The fragments of every frame, in order, checked against NumberOfFrames: a count that does not
 * match what the file holds is a 422 naming both numbers.
 */
export function framesOf(reader: ByteReader, encapsulated: EncapsulatedPixelData, frames: number, split: FrameSplit): Fragment[][] {
  const { offsetTable, fragments } = encapsulated;
  const lie = (found: number, how: string): DecodeError =>
    new DecodeError(
      422,
      found < frames ? 'frame_missing' : 'frame_count_mismatch',
      `${describeTag(Tag.NumberOfFrames)} says ${frames} frame(s), but the encapsulated pixel data holds ${found} (${how})`,
    );

  if (offsetTable.length > 0) {
    if (offsetTable.length !== frames) throw lie(offsetTable.length, 'entries in its Basic Offset Table');
    const byStart = new Map(fragments.map((f, i) => [f.itemOffset, i] as const));
    const starts = offsetTable.map((entry, i) => {
      const index = byStart.get(entry);
      if (index === undefined) throw damaged(`Basic Offset Table entry ${i + 1} (${entry}) does not point at a fragment`);
      if (i > 0 && entry <= offsetTable[i - 1]!) throw damaged(`Basic Offset Table entries are not increasing at entry ${i + 1}`);
      return index;
    });
    if (starts[0] !== 0) throw damaged('the first Basic Offset Table entry is not 0');
    return starts.map((from, i) => fragments.slice(from, starts[i + 1] ?? fragments.length));
  }
  if (frames === 1) return [fragments];
  if (fragments.length === frames) return fragments.map((f) => [f]);
  if (split.oneFragmentPerFrame || !split.startsCodestream || fragments.length < frames) throw lie(fragments.length, 'fragments, one per frame');

  const groups: Fragment[][] = [];
  for (const fragment of fragments) {
    const head = reader.bytes.subarray(fragment.offset, fragment.offset + Math.min(fragment.length, 4));
    if (groups.length === 0 || split.startsCodestream(head)) groups.push([fragment]);
    else groups[groups.length - 1]!.push(fragment);
  }
  if (groups.length !== frames) throw lie(groups.length, 'codestreams, found by their start markers');
  return groups;
}

/** One frame's codestream: its fragments' bytes, copied only when there is more than one. */
export function joinFragments(reader: ByteReader, fragments: readonly Fragment[]): Uint8Array {
  const parts = fragments.map((f) => reader.bytes.subarray(f.offset, f.offset + f.length));
  return parts.length === 1 ? parts[0]! : concatBytes(parts);
}
