/**
 * readInstanceHeader on real files (pydicom's test files, checked value for value against what
 * DCMTK's dcmdump reads), on CT slices built from the covid-semiseg test images and ordered as a
 * series, and on hand-built files with malformed geometry, which must not fail the instance.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecodeError } from '../decode/decoded-image.js';
import { run } from '../decode/dicom/compressed-fixtures.test-support.js';
import { ctSliceDicom, enhancedCtDicom } from '../decode/dicom/ct-slice.test-support.js';
import { concat, el, image, item, part10, imageDataset, undefinedLength, words } from '../decode/dicom/dicom-builder.test-support.js';
import { DATA, read } from '../decode/dicom/dicom-outcome.test-support.js';
import { InstanceHeader, readInstanceHeader } from './instance-header.js';
import { orderSeries, skipReason, splitFrames } from './series-geometry.js';

const SLICES = new URL('../../../../shared/data/covid-semiseg/test/images/', import.meta.url);

/** The DecodeError the promise rejects with; anything else fails the test. */
async function rejection(promise: Promise<unknown>): Promise<DecodeError> {
  const result = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(result instanceof DecodeError)) throw new Error(`expected a DecodeError, got ${String(result)}`);
  return result;
}

/** Top-level values as dcmdump prints them (`-Un`: UIDs as numbers, `+L`: long values whole), tag "gggg,eeee" -> text. */
async function dcmdump(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  // Nested elements are indented, so a line starting with '(' is the meta group's or the dataset's top level.
  for (const m of (await run('dcmdump', ['-Un', '+L', path])).matchAll(/^\(([0-9a-f]{4},[0-9a-f]{4})\) [A-Z]{2} (.*?)\s+#/gm)) {
    if (!out.has(m[1]!) && m[2] !== '(no value available)') out.set(m[1]!, m[2]!.replace(/^\[(.*)\]$/, '$1'));
  }
  return out;
}

/** What our header must hold, from dcmdump's reading of the same file. */
async function expectedHeader(path: string): Promise<Partial<InstanceHeader>> {
  const dump = await dcmdump(path);
  const value = (tag: string) => dump.get(tag);
  const numbers = (tag: string) => value(tag)?.split('\\').map(Number);
  const number = (tag: string) => (value(tag) === undefined ? undefined : Number(value(tag)));
  const expected: Partial<InstanceHeader> = {
    studyInstanceUID: value('0020,000d'),
    seriesInstanceUID: value('0020,000e'),
    sopInstanceUID: value('0008,0018'),
    sopClassUID: value('0008,0016'),
    modality: value('0008,0060'),
    imageType: value('0008,0008')?.split('\\') ?? [],
    instanceNumber: number('0020,0013'),
    seriesNumber: number('0020,0011'),
    seriesDescription: value('0008,103e'),
    frameOfReferenceUID: value('0020,0052'),
    imagePositionPatient: numbers('0020,0032') as InstanceHeader['imagePositionPatient'],
    imageOrientationPatient: numbers('0020,0037') as InstanceHeader['imageOrientationPatient'],
    pixelSpacing: numbers('0028,0030') as InstanceHeader['pixelSpacing'],
    sliceThickness: number('0018,0050'),
    rows: number('0028,0010'),
    columns: number('0028,0011'),
    frames: number('0028,0008') ?? 1,
    patientStudy: {
      ...defined({
        patientName: value('0010,0010'),
        patientID: value('0010,0020'),
        patientBirthDate: value('0010,0030'),
        patientSex: value('0010,0040'),
        patientAge: value('0010,1010'),
        studyDate: value('0008,0020'),
        studyTime: value('0008,0030'),
        studyID: value('0020,0010'),
        accessionNumber: value('0008,0050'),
        referringPhysicianName: value('0008,0090'),
        studyDescription: value('0008,1030'),
      }),
      characterSetDecoded: true,
    },
    transferSyntaxUID: value('0002,0010'),
  };
  return defined(expected);
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

describe('readInstanceHeader on pydicom test files, against dcmdump', () => {
  it.each(['CT_small.dcm', 'MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'JPEG2000.dcm', 'image_dfl.dcm'])(
    '%s: every value equals what dcmdump reads, and nothing else is there',
    async (name) => {
      const header = await readInstanceHeader(read(name));
      expect(header).toEqual(await expectedHeader(new URL(name, DATA).pathname));
      expect(InstanceHeader.parse(header)).toEqual(header);
    },
  );

  it('reads CT_small.dcm (values as dcmdump prints them)', async () => {
    const header = await readInstanceHeader(read('CT_small.dcm'));
    expect(header).toEqual({
      studyInstanceUID: '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322',
      seriesInstanceUID: '1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322',
      sopInstanceUID: '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322',
      sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
      modality: 'CT',
      imageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      instanceNumber: 1,
      seriesNumber: 1,
      frameOfReferenceUID: '1.3.6.1.4.1.5962.1.4.1.1.20040119072730.12322',
      imagePositionPatient: [-158.135803, -179.035797, -75.699997],
      imageOrientationPatient: [1, 0, 0, 0, 1, 0],
      pixelSpacing: [0.661468, 0.661468],
      sliceThickness: 5,
      rows: 128,
      columns: 128,
      frames: 1,
      patientStudy: {
        patientName: 'CompressedSamples^CT1',
        patientID: '1CT1',
        patientSex: 'O',
        patientAge: '000Y',
        studyDate: '20040119',
        studyTime: '072730',
        studyID: '1CT1',
        studyDescription: 'e+1',
        characterSetDecoded: true,
      },
      transferSyntaxUID: '1.2.840.10008.1.2.1',
    });
    expect(skipReason(header)).toBeUndefined();
  });

  it('reads the same MR header from explicit, implicit and big-endian files; skipReason is not_ct', async () => {
    const explicit = await readInstanceHeader(read('MR_small.dcm'));
    expect(explicit.modality).toBe('MR');
    expect(skipReason(explicit)).toBe('not_ct');
    for (const name of ['MR_small_implicit.dcm', 'MR_small_bigendian.dcm']) {
      const { transferSyntaxUID, ...rest } = await readInstanceHeader(read(name));
      expect(transferSyntaxUID).not.toBe(explicit.transferSyntaxUID);
      expect({ ...rest, transferSyntaxUID: explicit.transferSyntaxUID }).toEqual(explicit);
    }
  });

  it('reads a JPEG 2000 file\'s header without decoding (or having) a codec', async () => {
    expect(await readInstanceHeader(read('JPEG2000.dcm'))).toMatchObject({
      transferSyntaxUID: '1.2.840.10008.1.2.4.91',
      modality: 'NM',
      imageType: ['DERIVED', 'PRIMARY', 'WHOLE BODY', 'EMISSION'],
      rows: 1024,
      columns: 256,
      frames: 1,
      pixelSpacing: [2.26, 2.26],
      instanceNumber: 3,
    });
  });

  it('refuses what the decoder refuses, with its DecodeErrors', async () => {
    expect(await rejection(readInstanceHeader(read('rtplan.dcm')))).toMatchObject({ status: 422, code: 'no_pixel_data' });
    expect(await rejection(readInstanceHeader(read('liver_1frame.dcm')))).toMatchObject({ status: 422, code: 'unsupported_image_kind' });
    expect(await rejection(readInstanceHeader(read('MR_truncated.dcm')))).toMatchObject({ status: 422 });
    const jpeg = new Uint8Array(readFileSync(new URL('21.jpg', SLICES)));
    expect(await rejection(readInstanceHeader(jpeg))).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(await rejection(readInstanceHeader(new Uint8Array(0)))).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    const mpeg2 = part10(imageDataset({ rows: 2, columns: 2, pixels: words([1, 2, 3, 4]) }), '1.2.840.10008.1.2.4.100');
    expect(await rejection(readInstanceHeader(mpeg2))).toMatchObject({ status: 415, code: 'unsupported_transfer_syntax' });
    expect(await rejection(readInstanceHeader(read('CT_small.dcm'), { maxPixels: 128 * 127 }))).toMatchObject({ status: 413, code: 'image_too_large' });
    await expect(readInstanceHeader(read('CT_small.dcm'), { maxPixels: 0 })).rejects.toThrow(RangeError);
  });
});

describe('readInstanceHeader on malformed geometry', () => {
  const pixels = words([0, 1, 2, 3]);
  /** A 2x2 CT image carrying `elements` (tags between Modality and the image group). */
  const ct = (...elements: Uint8Array[]) => image({ rows: 2, columns: 2, modality: 'CT', before: elements, pixels });

  it('leaves a malformed value out, names it in `malformed`, and still reads the rest', async () => {
    const header = await readInstanceHeader(
      ct(
        el(0x00180050, 'DS', '-1'),
        el(0x00200013, 'IS', '7.5'),
        el(0x00200032, 'DS', '1\\2'),
        el(0x00200037, 'DS', '1\\0\\0\\0\\one\\0'),
        el(0x00280030, 'DS', '0.5\\0.5'),
      ),
    );
    expect(header).toMatchObject({ modality: 'CT', rows: 2, columns: 2, pixelSpacing: [0.5, 0.5] });
    for (const key of ['sliceThickness', 'instanceNumber', 'imagePositionPatient', 'imageOrientationPatient'] as const) expect(header).not.toHaveProperty(key);
    expect(header.malformed).toEqual([
      'InstanceNumber (0020,0013) is "7.5", not an integer string',
      'ImagePositionPatient (0020,0032) has 2 value(s), must have 3',
      'ImageOrientationPatient (0020,0037) value 5 is "one", not a decimal string',
      'SliceThickness (0018,0050) is -1 where a length in mm must be positive',
    ]);
    expect(InstanceHeader.parse(header)).toEqual(header);
  });

  it('refuses direction cosines that are not unit vectors at right angles, and pixel spacings of zero', async () => {
    const cases: [string, string][] = [
      ['0\\0\\0\\0\\0\\0', 'has row direction cosines of length 0.000, not 1'],
      ['1\\0\\0\\0\\2\\0', 'has column direction cosines of length 2.000, not 1'],
      ['1\\0\\0\\1\\0\\0', 'has row and column directions that are not perpendicular (dot product 1.000)'],
    ];
    for (const [value, problem] of cases) {
      const header = await readInstanceHeader(ct(el(0x00200037, 'DS', value)));
      expect(header.imageOrientationPatient).toBeUndefined();
      expect(header.malformed).toEqual([`ImageOrientationPatient (0020,0037) ${problem}`]);
    }
    // Rounded cosines (4 decimals, as many scanners write them) are kept as written.
    const rounded = await readInstanceHeader(ct(el(0x00200037, 'DS', '0.9998\\0.0175\\0\\-0.0175\\0.9998\\0')));
    expect(rounded.imageOrientationPatient).toEqual([0.9998, 0.0175, 0, -0.0175, 0.9998, 0]);
    const zero = await readInstanceHeader(ct(el(0x00280030, 'DS', '0\\0.5')));
    expect(zero.pixelSpacing).toBeUndefined();
    expect(zero.malformed).toEqual(['PixelSpacing (0028,0030) is 0 where a length in mm must be positive']);
  });

  it('keeps ImageType values in their places, an empty one as "", and trims padding', async () => {
    const header = await readInstanceHeader(ct(el(0x00080008, 'CS', ' ORIGINAL \\\\LOCALIZER')));
    expect(header.imageType).toEqual(['ORIGINAL', '', 'LOCALIZER']);
    expect(skipReason(header)).toBe('localizer');
    expect((await readInstanceHeader(ct())).imageType).toEqual([]);
    expect((await readInstanceHeader(ct(el(0x00080008, 'CS', '\\ ')))).imageType).toEqual([]);
  });

  it('lets orderSeries leave out a slice whose orientation was dropped, quoting why', async () => {
    const slice = (n: number, orientation: string) =>
      readInstanceHeader(ct(el(0x00200013, 'IS', String(n)), el(0x00200032, 'DS', `0\\0\\${n}`), el(0x00200037, 'DS', orientation), el(0x00280030, 'DS', '1\\1')));
    const headers = await Promise.all([slice(1, '1\\0\\0\\0\\1\\0'), slice(2, '1\\0\\0\\0\\1'), slice(3, '1\\0\\0\\0\\1\\0')]);
    const order = orderSeries(headers.map((header, i) => ({ key: `i${i}`, header })));
    expect(order.slices.map((s) => s.key)).toEqual(['i0', 'i2']);
    expect(order.inconsistent).toEqual([
      {
        key: 'i1',
        reason: "ImageOrientationPatient is absent (ImageOrientationPatient (0020,0037) has 5 value(s), must have 6), the series' is 1\\0\\0\\0\\1\\0",
      },
    ]);
  });
});

describe('readInstanceHeader on a series of CT slices (ct-slice files)', () => {
  let dir: string;
  const files = new Map<string, Uint8Array>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bsnet-instance-header-'));
    const jpegPath = new URL('21.jpg', SLICES).pathname;
    // Feet-first upload order: InstanceNumber 1 is the highest slice; the scout comes last.
    const specs = [
      { key: 'n1', instanceNumber: 1, positionZ: 10 },
      { key: 'n2', instanceNumber: 2, positionZ: 7.5 },
      { key: 'n3', instanceNumber: 3, positionZ: 5 },
      { key: 'n4', instanceNumber: 4, positionZ: 2.5 },
      { key: 'scout', instanceNumber: 5, positionZ: 0, imageType: 'ORIGINAL\\PRIMARY\\LOCALIZER' },
    ];
    for (const { key, ...opts } of specs) {
      const path = await ctSliceDicom({ jpegPath, outPath: join(dir, `${key}.dcm`), storage: 'signed', size: 64, ...opts });
      files.set(key, new Uint8Array(readFileSync(path)));
    }
    files.set('default', new Uint8Array(readFileSync(await ctSliceDicom({ jpegPath, outPath: join(dir, 'default.dcm'), storage: 'unsigned-intercept', size: 64 }))));
  }, 60_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads a built slice exactly as dcmdump does, defaults unchanged', async () => {
    const header = await readInstanceHeader(files.get('default')!);
    expect(header).toEqual(await expectedHeader(join(dir, 'default.dcm')));
    expect(header).toMatchObject({
      instanceNumber: 1,
      imagePositionPatient: [-22.05, -22.05, 0],
      imageOrientationPatient: [1, 0, 0, 0, 1, 0],
      pixelSpacing: [0.7, 0.7],
      sliceThickness: 1,
      imageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      sopInstanceUID: '2.25.329800735698586629295641978511506172918.3',
      rows: 64,
      columns: 64,
    });
  });

  it('skips the scout and orders the rest by position, 2.5 mm apart', async () => {
    const headers = await Promise.all([...files].filter(([key]) => key !== 'default').map(async ([key, bytes]) => ({ key, header: await readInstanceHeader(bytes) })));
    expect(headers.map((h) => [h.key, skipReason(h.header)])).toEqual([['n1', undefined], ['n2', undefined], ['n3', undefined], ['n4', undefined], ['scout', 'localizer']]);
    expect(new Set(headers.map((h) => h.header.sopInstanceUID)).size).toBe(5);
    const order = orderSeries(headers.filter((h) => skipReason(h.header) === undefined));
    expect(order).toMatchObject({ orderedBy: 'position', spacingFrom: 'positions', inconsistent: [], duplicates: [], pixelSpacing: [0.7, 0.7] });
    expect(order.slices.map((s) => [s.key, s.positionMm])).toEqual([['n4', 2.5], ['n3', 5], ['n2', 7.5], ['n1', 10]]);
    expect(order.sliceSpacingMm).toBeCloseTo(2.5, 9);
  });
});

describe('readInstanceHeader on enhanced (multi-frame) CT: the functional groups', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bsnet-enhanced-header-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const jpeg = (n: number) => new URL(`${n}.jpg`, SLICES).pathname;

  it('reads each frame\'s Plane Position and the shared geometry as dcmdump does, and splits the frames', async () => {
    const positionsZ = [5, -2.5, 0, 2.5];
    const path = await enhancedCtDicom({ jpegPaths: [18, 21, 36, 38].map(jpeg), positionsZ, outPath: join(dir, 'enhanced.dcm'), size: 16 });
    const header = await readInstanceHeader(new Uint8Array(readFileSync(path)));
    expect(header).toMatchObject({ frames: 4, modality: 'CT', sopClassUID: '1.2.840.10008.5.1.4.1.1.2.1', imageType: ['ORIGINAL', 'PRIMARY', 'VOLUME', 'NONE'] });
    // Nothing of the geometry is at the top level of an enhanced CT.
    expect(header.imagePositionPatient).toBeUndefined();
    expect(header.functionalGroups!.shared).toEqual({ imageOrientationPatient: [1, 0, 0, 0, 1, 0], pixelSpacing: [0.7, 0.7], sliceThickness: 2.5, rescaleIntercept: 0, rescaleSlope: 1 });
    expect(header.functionalGroups!.topLevelRescale).toEqual({ intercept: 0, slope: 1 });
    // dcmdump's reading of every nested ImagePositionPatient, in file order.
    const dumped = [...(await run('dcmdump', ['+L', path])).matchAll(/\(0020,0032\) DS \[(.*?)\]/g)].map((m) => m[1]!.split('\\').map(Number));
    expect(header.functionalGroups!.perFrame.map((f) => f.imagePositionPatient)).toEqual(dumped);
    expect(dumped.map((p) => p[2])).toEqual(positionsZ);
    expect(InstanceHeader.parse(header)).toEqual(header);

    const split = splitFrames(header);
    if ('reason' in split) throw new Error(split.reason);
    expect(split.frames.map((f) => [f.imagePositionPatient![2], f.pixelSpacing, f.frames, f.instanceNumber])).toEqual(positionsZ.map((z) => [z, [0.7, 0.7], 1, undefined]));
    const order = orderSeries(split.frames.map((h, i) => ({ key: `f${i + 1}`, header: h })));
    expect(order.slices.map((s) => s.key)).toEqual(['f2', 'f3', 'f4', 'f1']);
    expect(order.sliceSpacingMm).toBeCloseTo(2.5, 9);
  });

  it('lets a per-frame value override the shared one', async () => {
    const path = await enhancedCtDicom({ jpegPaths: [jpeg(21), jpeg(36)], outPath: join(dir, 'per-frame-spacing.dcm'), size: 16, perFramePixelSpacing: 0.8 });
    const header = await readInstanceHeader(new Uint8Array(readFileSync(path)));
    expect(header.functionalGroups!.shared.pixelSpacing).toBeUndefined();
    expect(header.functionalGroups!.perFrame.map((f) => f.pixelSpacing)).toEqual([[0.8, 0.8], [0.8, 0.8]]);
    const split = splitFrames(header);
    expect('frames' in split && split.frames.map((f) => f.pixelSpacing)).toEqual([[0.8, 0.8], [0.8, 0.8]]);
  });

  // Hand-built: undefined-length sequences and items, a per-frame rescale over the shared one, a malformed position.
  const fg = (perFrame: Uint8Array[][]) => [
    undefinedLength(0x52009229, 'SQ', item(concat(
      undefinedLength(0x00209116, 'SQ', item(el(0x00200037, 'DS', '1\\0\\0\\0\\1\\0'), true)),
      el(0x00289145, 'SQ', item(concat(el(0x00281052, 'DS', '0'), el(0x00281053, 'DS', '1')))),
    ), true)),
    undefinedLength(0x52009230, 'SQ', concat(...perFrame.map((elements) => item(concat(...elements), true)))),
  ];
  const position = (value: string) => undefinedLength(0x00209113, 'SQ', item(el(0x00200032, 'DS', value), true));
  const rescale = (intercept: string) => el(0x00289145, 'SQ', item(concat(el(0x00281052, 'DS', intercept), el(0x00281053, 'DS', '1'))));
  const multiFrame = (perFrame: Uint8Array[][]) =>
    image({ rows: 2, columns: 2, frames: String(perFrame.length), modality: 'CT', before: fg(perFrame), pixels: words(Array(4 * perFrame.length).fill(0)) });

  it('reads undefined-length sequences, and a per-frame rescale overrides the shared one', async () => {
    const header = await readInstanceHeader(multiFrame([[position('0\\0\\1')], [position('0\\0\\2'), rescale('-1024')]]));
    expect(header.functionalGroups).toEqual({
      shared: { imageOrientationPatient: [1, 0, 0, 0, 1, 0], rescaleIntercept: 0, rescaleSlope: 1 },
      perFrame: [{ imagePositionPatient: [0, 0, 1] }, { imagePositionPatient: [0, 0, 2], rescaleIntercept: -1024, rescaleSlope: 1 }],
      topLevelRescale: { intercept: 0, slope: 1 },
    });
    // Frame 2's own Modality LUT goes with it to the decoder (which applies the top level's otherwise); frame 1 has the top level's.
    const split = splitFrames(header);
    if ('reason' in split) throw new Error(split.reason);
    expect(split.frames.map((f) => f.rescale)).toEqual([undefined, { slope: 1, intercept: -1024 }]);
  });

  it('names a malformed per-frame value and skips an instance whose frames lack positions', async () => {
    const header = await readInstanceHeader(multiFrame([[position('0\\0')], [position('0\\0\\2')]]));
    expect(header.malformed).toEqual(['frame 1: ImagePositionPatient (0020,0032) has 2 value(s), must have 3']);
    expect(splitFrames(header)).toEqual({
      reason: 'multi_frame_geometry: frame 1 has no Plane Position Sequence (0020,9113) > ImagePositionPatient (0020,0032) of its own (frame 1: ImagePositionPatient (0020,0032) has 2 value(s), must have 3)',
    });
    const none = await readInstanceHeader(image({ rows: 2, columns: 2, frames: '3', modality: 'CT', pixels: words(Array(12).fill(0)) }));
    expect(none.functionalGroups).toEqual({ shared: {}, perFrame: [], topLevelRescale: { intercept: 0, slope: 1 } });
    expect(splitFrames(none)).toEqual({ reason: expect.stringMatching(/^multi_frame_geometry: the Per-frame Functional Groups Sequence \(5200,9230\) has 0 item\(s\) for NumberOfFrames 3/) });
    const mr = await readInstanceHeader(image({ rows: 2, columns: 2, frames: '2', modality: 'MR', pixels: words(Array(8).fill(0)) }));
    expect(splitFrames(mr)).toEqual({ reason: expect.stringMatching(/^not_ct: /) });
  });

  it('refuses a damaged functional group sequence as a damaged file', async () => {
    const broken = image({ rows: 2, columns: 2, frames: '2', modality: 'CT', before: [el(0x52009230, 'SQ', el(0x00200032, 'DS', '0\\0\\1'))], pixels: words(Array(8).fill(0)) });
    const err = await rejection(readInstanceHeader(broken));
    expect([err.status, err.code]).toEqual([422, 'image_corrupt']);
    expect(err.message).toMatch(/PerFrameFunctionalGroupsSequence holds \(0020,0032\)/);
  });
});
