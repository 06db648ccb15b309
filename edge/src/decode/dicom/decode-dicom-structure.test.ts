/**
 * decodeDicom's walk of a file's structure: nested and undefined-length sequences, implicit VR,
 * files without preamble or meta, encapsulated pixel data, unknown transfer syntaxes, inputs that
 * are not DICOM, unexpected internal errors, bad options, and the module's exports.
 */
import { describe, expect, it } from 'vitest';
import * as dicomModule from './index.js';
import { decodeDicom } from './index.js';
import { ascii, concat, el, image, imageDataset, implicitEl, IMPLICIT_LE, item, part10, uint, undefinedLength, words } from './dicom-builder.test-support.js';
import { decodeError, decoded, read } from './dicom-outcome.test-support.js';

describe('decodeDicom structure', () => {
  it('skips undefined-length sequences, items and UN-wrapped sequences, ignoring the attributes inside them', async () => {
    // An icon-like nested image (its own Rows and Pixel Data) must not shadow the top-level one.
    const nested = concat(el(0x00280010, 'US', uint(9999, 2)), el(0x7fe00010, 'OW', new Uint8Array(6)));
    const before = [
      undefinedLength(0x00081140, 'SQ', concat(item(nested, true), item(nested), item(new Uint8Array(0), true))),
      undefinedLength(0x00091010, 'UN', item(implicitEl(0x00280010, uint(7777, 2)), true)),
      el(0x00091011, 'SQ', item(nested)), // defined-length sequence
    ];
    const result = await decoded(image({ rows: 1, columns: 2, before, pixels: words([3, 4]) }));
    expect(result).toMatchObject({ width: 2, height: 1 });
    expect([...result.data]).toEqual([3, 4]);
  });

  it('reads implicit VR little endian datasets', async () => {
    const dataset = [
      implicitEl(0x00280010, uint(1, 2)),
      implicitEl(0x00280011, uint(2, 2)),
      implicitEl(0x00280100, uint(16, 2)),
      implicitEl(0x00281052, ascii('-1024 ')),
      implicitEl(0x7fe00010, words([1024, 1000])),
    ];
    expect([...(await decoded(part10(dataset, IMPLICIT_LE))).data]).toEqual([0, -24]);
  });

  it('decodes datasets without preamble and meta (explicit and implicit VR) and meta without preamble', async () => {
    const ct = read('CT_small.dcm');
    const reference = await decoded(ct);
    expect(await decoded(ct.subarray(336))).toEqual(reference); // CT_small's dataset starts at 336
    expect(await decoded(ct.subarray(128))).toEqual(reference); // 'DICM' at offset 0
    const implicit = read('MR_small_implicit.dcm');
    const metaEnd = 144 + new DataView(implicit.buffer, implicit.byteOffset).getUint32(140, true);
    expect(await decoded(implicit.subarray(metaEnd))).toEqual(await decoded(read('MR_small.dcm')));
  });

  it('answers 422 image_corrupt for encapsulated pixel data under an uncompressed transfer syntax', async () => {
    const dataset = imageDataset({ rows: 1, columns: 1, pixels: new Uint8Array(0) });
    dataset[dataset.length - 1] = undefinedLength(0x7fe00010, 'OB', concat(item(new Uint8Array(0)), item(new Uint8Array(8))));
    const err = await decodeError(part10(dataset));
    expect(err).toMatchObject({ status: 422, code: 'image_corrupt' });
    expect(err.message).toMatch(/undefined length/);
  });

  it('answers 415 for an unknown transfer syntax, naming its UID', async () => {
    const err = await decodeError(part10(imageDataset({ pixels: new Uint8Array(8) }), '1.2.3.4.5'));
    expect(err).toMatchObject({ status: 415, code: 'unsupported_transfer_syntax' });
    expect(err.message).toMatch(/"1\.2\.3\.4\.5"/);
  });

  it('answers 415 unsupported_media_type for an empty upload and for other formats', async () => {
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, ...new Array(300).fill(0));
    const png = concat(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), new Uint8Array(300));
    for (const [what, bytes] of [['empty', new Uint8Array(0)], ['jpeg', jpeg], ['png', png], ['text', ascii('hello, world')], ['zeros', new Uint8Array(200)]] as const) {
      expect(await decodeError(bytes), what).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    }
  });

  it('answers a 4xx DecodeError for a DICM marker followed by garbage', async () => {
    const garbage = concat(new Uint8Array(128), ascii('DICM'), ascii('\u0002\u0000\u0010\u0000XX\u0004\u0000abcd'), new Uint8Array(50).fill(0xee));
    expect((await decodeError(garbage)).status).toBe(422);
  });

  it('turns an unexpected error inside the decoder into 422 image_corrupt, keeping the cause', async () => {
    const bytes = read('CT_small.dcm');
    Object.defineProperty(bytes, 'subarray', { value: () => { throw new TypeError('boom'); } });
    const err = await decodeError(bytes);
    expect(err).toMatchObject({ status: 422, code: 'image_corrupt' });
    expect(err.cause).toBeInstanceOf(TypeError);
  });

  it('rejects a maxPixels that is not a positive integer (a caller bug, not the file)', async () => {
    await expect(decodeDicom(read('MR_small.dcm'), { maxPixels: 0 })).rejects.toThrow(RangeError);
  });

  it('exports decodeDicom and dicomFrameCount only', () => {
    expect(Object.keys(dicomModule)).toEqual(['decodeDicom', 'dicomFrameCount']);
  });
});
