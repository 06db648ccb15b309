import { describe, expect, it } from 'vitest';
import { characterSetDecoding } from './character-set.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('characterSetDecoding', () => {
  it('reads the default repertoire and ISO_IR 100 byte by byte as ISO 8859-1', () => {
    const bytes = new Uint8Array([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x5e, 0x4a, 0x96]); // "Müller^J" + a C1 control
    for (const terms of [undefined, [], ['ISO_IR 100'], ['ISO_IR 6']]) {
      const d = characterSetDecoding(terms);
      expect(d.supported).toBe(true);
      expect(d.decode(bytes)).toBe('Müller^J\u0096');
    }
  });

  it('reads ISO_IR 192 as UTF-8 and ISO_IR 144 as Cyrillic', () => {
    expect(characterSetDecoding(['ISO_IR 192']).decode(utf8('Wang^XiaoDong=王^小東'))).toBe('Wang^XiaoDong=王^小東');
    expect(characterSetDecoding(['ISO_IR 144']).decode(new Uint8Array([0xbb, 0xee, 0xdd, 0xd8, 0xdd]))).toBe('Люнин');
  });

  it('says when it cannot decode: code extensions and unknown terms fall back to 8-bit characters', () => {
    for (const terms of [['', 'ISO 2022 IR 87'], ['ISO 2022 IR 149'], ['KLINGON']]) {
      const d = characterSetDecoding(terms);
      expect(d.supported).toBe(false);
      expect(d.decode(utf8('Yamada^Tarou'))).toBe('Yamada^Tarou');
    }
  });
});
