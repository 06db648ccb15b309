/**
 * Test support: takes a file with encapsulated Pixel Data apart into what precedes its fragments,
 * its Basic Offset Table and its fragments, and puts it back together, so a test can damage one
 * part (cut a codestream, drop a fragment, lie in the table) and keep the rest well-formed.
 */
import { concatBytes } from '../../../../shared/concat-bytes.js';

export interface EncapsulatedParts {
  /** Every byte up to and including the Pixel Data element's header (tag, VR, undefined length). */
  head: Uint8Array;
  /** The Basic Offset Table's entries. */
  table: number[];
  fragments: Uint8Array[];
}

/** (7FE0,0010) OB (or OW, as some writers have it), undefined length; index 5 is the VR's second letter. */
const PIXEL_DATA_UNDEFINED = [0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff];
const VR_SECOND = 5;

function item(value: Uint8Array): Uint8Array {
  const header = new Uint8Array(8);
  const view = new DataView(header.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, 0xe000, true);
  view.setUint32(4, value.length, true);
  return concatBytes([header, value]);
}

export function splitEncapsulated(bytes: Uint8Array): EncapsulatedParts {
  let at = -1;
  for (let i = bytes.length - PIXEL_DATA_UNDEFINED.length; i >= 0 && at < 0; i--) {
    if (PIXEL_DATA_UNDEFINED.every((b, k) => bytes[i + k] === b || (k === VR_SECOND && bytes[i + k] === 0x57))) at = i;
  }
  if (at < 0) throw new Error('no encapsulated (7FE0,0010) in the file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = at + PIXEL_DATA_UNDEFINED.length;
  const values: Uint8Array[] = [];
  while (view.getUint16(offset + 2, true) === 0xe000) {
    const length = view.getUint32(offset + 4, true);
    values.push(bytes.slice(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  const [table, ...fragments] = values;
  const tableView = new DataView(table!.buffer);
  return {
    head: bytes.slice(0, at + PIXEL_DATA_UNDEFINED.length),
    table: Array.from({ length: table!.length / 4 }, (_, i) => tableView.getUint32(4 * i, true)),
    fragments,
  };
}

/** The file again; with `rebuildTable`, the offset table is recomputed for one fragment a frame. */
export function joinEncapsulated(parts: EncapsulatedParts, opts: { rebuildTable?: boolean } = {}): Uint8Array {
  let table = parts.table;
  if (opts.rebuildTable) {
    table = [];
    let offset = 0;
    for (const f of parts.fragments) {
      table.push(offset);
      offset += 8 + f.length;
    }
  }
  const tableBytes = new Uint8Array(4 * table.length);
  table.forEach((v, i) => new DataView(tableBytes.buffer).setUint32(4 * i, v, true));
  const delimiter = Uint8Array.of(0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0);
  return concatBytes([parts.head, item(tableBytes), ...parts.fragments.map(item), delimiter]);
}

/** `bytes` with the first occurrence of the ASCII `from` replaced by `to` of the same length. */
export function replaceAscii(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const text = new TextDecoder('latin1').decode(bytes);
  const at = text.indexOf(from);
  if (at < 0 || from.length !== to.length) throw new Error(`cannot replace ${JSON.stringify(from)}`);
  const out = bytes.slice();
  out.set(Uint8Array.from(to, (c) => c.charCodeAt(0)), at);
  return out;
}

/** Index of the two-byte marker FF xx in a codestream, or -1. */
export function markerAt(codestream: Uint8Array, marker: number): number {
  for (let i = 0; i + 1 < codestream.length; i++) if (codestream[i] === 0xff && codestream[i + 1] === marker) return i;
  return -1;
}
