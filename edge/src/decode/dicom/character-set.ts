/**
 * Text of a file's Specific Character Set (0008,0005; PS3.3 C.12.1.1.2): the defined terms of the
 * single-byte and multi-byte sets without code extensions, mapped to WHATWG encodings. ISO 2022
 * code extensions (ESC sequences switching sets mid-value) are not decoded: their ASCII stays
 * readable, the rest comes out as 8-bit characters, and `supported` says so.
 */

const ENCODINGS: Readonly<Record<string, string>> = {
  'ISO_IR 192': 'utf-8',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 13': 'shift_jis',
  'ISO_IR 166': 'windows-874',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

export interface TextDecoding {
  decode(bytes: Uint8Array): string;
  /** False when the set is unknown, uses code extensions, or the runtime lacks its decoder. */
  supported: boolean;
}

/** ISO 8859-1 byte by byte (WHATWG's "latin1" label is windows-1252, which differs at 0x80-0x9F). */
const latin1 = (bytes: Uint8Array): string => {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
};

/**
 * The decoder for a Specific Character Set's values (absent: the default repertoire, ASCII).
 * @example characterSetDecoding(['ISO_IR 192']).decode(bytes) // UTF-8
 */
export function characterSetDecoding(terms: readonly string[] | undefined): TextDecoding {
  const sets = (terms ?? []).filter((t) => t !== '');
  if (sets.length === 0 || (sets.length === 1 && (sets[0] === 'ISO_IR 6' || sets[0] === 'ISO_IR 100'))) return { decode: latin1, supported: true };
  const label = sets.length === 1 ? ENCODINGS[sets[0]!] : undefined;
  if (label) {
    try {
      const decoder = new TextDecoder(label);
      return { decode: (bytes) => decoder.decode(bytes), supported: true };
    } catch {
      // The runtime has no decoder for it: fall through.
    }
  }
  return { decode: latin1, supported: false };
}
