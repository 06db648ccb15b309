/**
 * readInstanceParts on real bodies: STOW-RS multipart/related built the way DICOMweb clients
 * build it (dicomweb-client's multipartEncode, and PS3.18 with a preamble, quoted boundaries and
 * extra part headers), forms built with the Web FormData API, zips written by Python's zipfile
 * around real DICOM files, and damaged inputs: truncated bodies, truncated and corrupted zips, a
 * zip bomb whose headers lie about its size, and every limit.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../../../shared/concat-bytes.js';
import { EdgeError } from '../http/edge-error.js';
import { readInstanceParts, type InstancePartLimits } from './read-instance-parts.js';

const DICOM_DIR = new URL('../../../../shared/data/dicom/', import.meta.url);
const dicom = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DICOM_DIR)));
const CT = dicom('CT_small.dcm');
const MR = dicom('MR_small.dcm');
const MiB = 1024 * 1024;

const LIMITS: InstancePartLimits = { maxParts: 600, maxZipEntries: 2000, maxUnzippedBytes: 64 * MiB, bodyTimeoutMs: 5_000 };
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

type Body = NonNullable<RequestInit['body']>;

const post = (body: Body, contentType?: string): Request =>
  new Request('http://x/', { method: 'POST', body, headers: contentType === undefined ? {} : { 'content-type': contentType } });

const read = (body: Body, contentType: string | undefined, limits: Partial<InstancePartLimits> = {}) =>
  readInstanceParts(post(body, contentType), { ...LIMITS, ...limits });

async function refusal(reading: Promise<unknown>): Promise<EdgeError> {
  try {
    await reading;
  } catch (err) {
    expect(err).toBeInstanceOf(EdgeError);
    return err as EdgeError;
  }
  throw new Error('expected the body to be refused');
}

// ---- bodies as clients build them ------------------------------------------------------------

/**
 * What dicomweb-client (npm) sends from storeInstances: each part is CRLF `--boundary`, a
 * Content-Type line and a blank line before the instance; the close delimiter follows the last
 * one; its buffer is sized for a footer per dataset, so zeros trail the close as an epilogue.
 */
function dicomwebClientBody(datasets: Uint8Array[], boundary: string): Uint8Array {
  const header = text(`\r\n--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`);
  const footer = text(`\r\n--${boundary}--`);
  const body = new Uint8Array(datasets.reduce((n, d) => n + header.length + d.length + footer.length, 0));
  let at = 0;
  for (const d of datasets) {
    body.set(header, at);
    body.set(d, at + header.length);
    at += header.length + d.length;
  }
  body.set(footer, at);
  return body;
}

interface Part {
  headers: string[];
  content: Uint8Array;
}

/** A PS3.18 §10.5 / RFC 2046 body: preamble, delimiter lines (optionally padded), parts, close, epilogue. */
function stowBody(parts: Part[], boundary: string, opts: { preamble?: string; epilogue?: string; padding?: string } = {}): Uint8Array {
  const runs: Uint8Array[] = [text(opts.preamble === undefined ? '' : `${opts.preamble}\r\n`)];
  for (const p of parts) {
    runs.push(text(`--${boundary}${opts.padding ?? ''}\r\n${p.headers.map((h) => `${h}\r\n`).join('')}\r\n`), p.content, text('\r\n'));
  }
  runs.push(text(`--${boundary}--${opts.epilogue === undefined ? '' : `\r\n${opts.epilogue}`}`));
  return concatBytes(runs);
}

const dicomPart = (content: Uint8Array, ...extra: string[]): Part => ({ headers: ['Content-Type: application/dicom', ...extra], content });
const RELATED = (boundary: string): string => `multipart/related; type="application/dicom"; boundary=${boundary}`;

// ---- zips written by Python's zipfile --------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'read-instance-parts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface ZipSpec {
  name: string;
  /** A file to add (its bytes), or a count of zeros; neither: a directory entry. */
  bytes?: Uint8Array;
  zeros?: number;
  method?: 'stored' | 'deflated' | 'bzip2';
}

const PY_ZIP = `
import json, sys, zipfile
methods = {'stored': zipfile.ZIP_STORED, 'deflated': zipfile.ZIP_DEFLATED, 'bzip2': zipfile.ZIP_BZIP2}
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for e in json.loads(sys.argv[2]):
        if e.get('dir'):
            z.mkdir(e['name'])
            continue
        data = open(e['file'], 'rb').read() if 'file' in e else bytes(e['zeros'])
        z.writestr(e['name'], data, compress_type=methods[e['method']])
`;

let zips = 0;
function pythonZip(entries: ZipSpec[]): Uint8Array {
  const n = zips++;
  const spec = entries.map((e, i) => {
    if (e.bytes) writeFileSync(join(work, `${n}-${i}`), e.bytes);
    return { name: e.name, method: e.method ?? 'deflated', dir: !e.bytes && e.zeros === undefined, ...(e.bytes ? { file: join(work, `${n}-${i}`) } : { zeros: e.zeros ?? 0 }) };
  });
  const out = join(work, `${n}.zip`);
  execFileSync('/usr/bin/python3', ['-c', PY_ZIP, out, JSON.stringify(spec)]);
  return new Uint8Array(readFileSync(out));
}

/** The offsets of each central-directory record and of the local header it points to, for patching. */
function zipRecords(zip: Uint8Array): { central: number; local: number }[] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22; // Python writes no archive comment
  expect(v.getUint32(eocd, true)).toBe(0x06054b50);
  const records = [];
  for (let i = 0, at = v.getUint32(eocd + 16, true); i < v.getUint16(eocd + 10, true); i++) {
    records.push({ central: at, local: v.getUint32(at + 42, true) });
    at += 46 + v.getUint16(at + 28, true) + v.getUint16(at + 30, true) + v.getUint16(at + 32, true);
  }
  return records;
}

/** Rewrites one entry's uncompressed size (central and local header), as a zip bomb does. */
function declareSize(zip: Uint8Array, entry: number, size: number): Uint8Array {
  const out = zip.slice();
  const v = new DataView(out.buffer);
  const { central, local } = zipRecords(out)[entry]!;
  v.setUint32(central + 24, size, true);
  v.setUint32(local + 22, size, true);
  return out;
}

const ZIP = 'application/zip';

describe('application/dicom', () => {
  it('reads the body as one instance', async () => {
    const { parts, rejected } = await read(CT, 'application/dicom');
    expect(parts).toEqual([{ index: 0, bytes: CT, source: 'body' }]);
    expect(rejected).toEqual([]);
  });

  it('rejects an empty body as an empty part, not the request', async () => {
    const { parts, rejected } = await read(new Uint8Array(0), 'application/dicom');
    expect(parts).toEqual([]);
    expect(rejected).toEqual([{ index: 0, source: 'body', code: 'empty_part', reason: 'body is empty (0 bytes)' }]);
  });
});

describe('multipart/related (STOW-RS)', () => {
  it("reads dicomweb-client's body (leading CRLF, unquoted boundary, zeros after the close)", async () => {
    const boundary = '5e3a1b2c-7d4f-4e6a-9b8c-0d1e2f3a4b5c';
    const { parts, rejected } = await read(dicomwebClientBody([CT, MR], boundary), RELATED(boundary));
    expect(parts).toEqual([
      { index: 0, bytes: CT, source: 'part[0]' },
      { index: 1, bytes: MR, source: 'part[1]' },
    ]);
    expect(rejected).toEqual([]);
  });

  it('reads a PS3.18 body with a preamble, a quoted boundary, padding, extra and folded headers and an epilogue', async () => {
    const boundary = 'DICOMweb:Boundary=42'; // ':' and '=' are boundary characters that must be quoted
    const body = stowBody(
      [
        dicomPart(CT, 'Content-Location: https://pacs.example/studies/1.2.3/series/4/instances/5', 'Content-ID: <ct@pacs.example>'),
        { headers: ['content-type: Application/DICOM;', '  transfer-syntax=1.2.840.10008.1.2.1', 'Content-Transfer-Encoding: binary'], content: MR },
      ],
      boundary,
      { preamble: 'This is a multi-part message in MIME format.', epilogue: 'the end\r\n', padding: ' \t' },
    );
    const { parts, rejected } = await read(body, `Multipart/Related; type="application/dicom"; boundary="${boundary}"; start="<ct@pacs.example>"`);
    expect(parts.map((p) => [p.index, p.source, p.bytes])).toEqual([
      [0, 'part[0]', CT],
      [1, 'part[1]', MR],
    ]);
    expect(rejected).toEqual([]);
  });

  it('takes a part with no Content-Type as the type parameter says, and rejects other types per part', async () => {
    const body = stowBody([{ headers: [], content: CT }, { headers: ['Content-Type: application/dicom+json'], content: text('[{}]') }, dicomPart(MR)], 'b0');
    const { parts, rejected } = await read(body, 'multipart/related; type=application/dicom; boundary=b0');
    expect(parts.map((p) => p.source)).toEqual(['part[0]', 'part[2]']);
    expect(parts[1]!.bytes).toEqual(MR);
    expect(rejected).toEqual([{ index: 1, source: 'part[1]', code: 'unsupported_part_type', reason: 'part[1] is application/dicom+json, not application/dicom' }]);
  });

  it('rejects empty parts and parts in a transfer encoding it does not read', async () => {
    const body = stowBody([dicomPart(new Uint8Array(0)), dicomPart(text('AAAA'), 'Content-Transfer-Encoding: base64'), dicomPart(CT)], 'b1');
    const { parts, rejected } = await read(body, RELATED('b1'));
    expect(parts.map((p) => p.index)).toEqual([2]);
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'empty_part'],
      [1, 'unsupported_part_type'],
    ]);
  });

  it('keeps a line that only starts like the boundary as content', async () => {
    const content = concatBytes([CT.subarray(0, 200), text('\r\n--b2x not a delimiter\r\n--b2'), CT.subarray(200)]);
    const { parts } = await read(stowBody([dicomPart(content)], 'b2'), RELATED('b2'));
    expect(parts[0]!.bytes).toEqual(content);
  });

  it('refuses a type parameter other than application/dicom with 415', async () => {
    const err = await refusal(read(stowBody([dicomPart(CT)], 'b3'), 'multipart/related; type="application/dicom+json"; boundary=b3'));
    expect([err.status, err.code, err.field]).toEqual([415, 'unsupported_media_type', 'content-type']);
  });

  it('refuses broken framing with 400 invalid_multipart naming the problem', async () => {
    const whole = stowBody([dicomPart(CT), dicomPart(MR)], 'b4');
    const cases: [Uint8Array, string, RegExp][] = [
      [whole, 'multipart/related; type="application/dicom"', /no boundary parameter/],
      [whole.subarray(0, whole.length - 300), RELATED('b4'), /inside part\[1\], without its closing "--b4--" line: truncated\?/],
      [whole.subarray(0, whole.length - 2), RELATED('b4'), /without its closing/],
      [whole, RELATED('other'), /no "--other" delimiter line/],
      [text('--b4--\r\n'), RELATED('b4'), /has no parts/],
      [stowBody([{ headers: ['Content-Type: application/dicom'], content: CT }], 'b4').subarray(0, 30), RELATED('b4'), /closing/],
      [concatBytes([text('--b4\r\nContent-Type: application/dicom\r\n'), new Uint8Array(20_000).fill(65), text('\r\n--b4--')]), RELATED('b4'), /no blank line ending the headers of part\[0\]/],
    ];
    for (const [body, type, message] of cases) {
      const err = await refusal(read(body, type));
      expect([err.status, err.code]).toEqual([400, 'invalid_multipart']);
      expect(err.message).toMatch(message);
    }
  });

  it('refuses more parts than maxParts with 413 too_many_instances', async () => {
    const err = await refusal(read(dicomwebClientBody([CT, MR, CT], 'b5'), RELATED('b5'), { maxParts: 2 }));
    expect([err.status, err.code]).toEqual([413, 'too_many_instances']);
    expect((await read(dicomwebClientBody([CT, MR], 'b5'), RELATED('b5'), { maxParts: 2 })).parts).toHaveLength(2);
  });

  it('splits a body full of near-boundaries in time linear in its size', async () => {
    // The worst case for the search: every byte is a possible match that fails on its last character.
    const boundary = 'a'.repeat(69) + 'b';
    const content = new Uint8Array(2 * MiB).fill(0x61);
    const started = performance.now();
    const { parts } = await read(stowBody([dicomPart(content)], boundary), RELATED(`"${boundary}"`));
    expect(parts[0]!.bytes.length).toBe(content.length);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('multipart/form-data', () => {
  it('reads every file part, whatever its field name, and ignores text fields', async () => {
    const form = new FormData();
    form.append('file', new File([CT], 'Doe^Jane.dcm', { type: 'application/dicom' }));
    form.append('note', 'series 4');
    form.append('instances[]', new File([MR], 'IM0002'));
    const { parts, rejected } = await readInstanceParts(new Request('http://x/', { method: 'POST', body: form }), LIMITS);
    expect(parts).toEqual([
      { index: 0, bytes: CT, source: 'part[0]' },
      { index: 2, bytes: MR, source: 'part[2]' },
    ]);
    expect(rejected).toEqual([]);
  });

  it('rejects an empty file part, and refuses more files than maxParts', async () => {
    const form = new FormData();
    form.append('file', new File([], 'empty.dcm'));
    form.append('file', new File([CT], 'a.dcm'));
    const { parts, rejected } = await readInstanceParts(new Request('http://x/', { method: 'POST', body: form }), LIMITS);
    expect(parts.map((p) => p.index)).toEqual([1]);
    expect(rejected.map((r) => r.code)).toEqual(['empty_part']);
    const err = await refusal(readInstanceParts(new Request('http://x/', { method: 'POST', body: form }), { ...LIMITS, maxParts: 1 }));
    expect([err.status, err.code]).toEqual([413, 'too_many_instances']);
  });

  it('refuses a form body that does not parse with 400 invalid_multipart', async () => {
    const err = await refusal(read(text('--x\r\nContent-Disposition: form-data; name="file"'), 'multipart/form-data; boundary=x'));
    expect([err.status, err.code]).toEqual([400, 'invalid_multipart']);
  });
});

describe('application/zip', () => {
  const series = (): Uint8Array =>
    pythonZip([
      { name: 'Doe^Jane/' },
      { name: 'Doe^Jane/IM0001.dcm', bytes: CT, method: 'deflated' },
      { name: 'Doe^Jane/DICOMDIR', bytes: MR, method: 'deflated' },
      { name: '__MACOSX/Doe^Jane/._IM0001.dcm', bytes: text('\0\x05\x16\x07 AppleDouble'), method: 'deflated' },
      { name: 'Doe^Jane/IM0002.dcm', bytes: MR, method: 'stored' },
    ]);

  it("reads stored and deflated entries, skipping directories, DICOMDIR and __MACOSX silently", async () => {
    for (const type of [ZIP, 'application/x-zip-compressed']) {
      const { parts, rejected } = await read(series(), type);
      expect(parts).toEqual([
        { index: 1, bytes: CT, source: 'zip entry 1' },
        { index: 4, bytes: MR, source: 'zip entry 4' },
      ]);
      expect(rejected).toEqual([]);
    }
  });

  it('rejects encrypted entries, other compression methods and empty entries per entry, naming no file', async () => {
    const zip = pythonZip([
      { name: 'Doe^Jane/a.dcm', bytes: CT, method: 'bzip2' },
      { name: 'Doe^Jane/b.dcm', bytes: MR, method: 'stored' },
      { name: 'Doe^Jane/c.dcm', bytes: new Uint8Array(0), method: 'deflated' },
      { name: 'Doe^Jane/d.dcm', bytes: CT, method: 'deflated' },
    ]);
    // zipfile cannot encrypt; setting bit 0 of the flags is what an encrypting zipper writes.
    const v = new DataView(zip.buffer);
    const { central } = zipRecords(zip)[1]!;
    v.setUint16(central + 8, v.getUint16(central + 8, true) | 1, true);
    const result = await read(zip, ZIP);
    expect(result.parts.map((p) => [p.index, p.bytes])).toEqual([[3, CT]]);
    expect(result.rejected).toEqual([
      { index: 0, source: 'zip entry 0', code: 'unsupported_zip_entry', reason: 'zip entry 0 uses compression method 12; only stored (0) and deflate (8) are read' },
      { index: 1, source: 'zip entry 1', code: 'unsupported_zip_entry', reason: 'zip entry 1 is encrypted' },
      { index: 2, source: 'zip entry 2', code: 'empty_part', reason: 'zip entry 2 is empty (0 bytes)' },
    ]);
    expect(JSON.stringify(result.rejected)).not.toMatch(/Doe|\.dcm/);
  });

  describe('a bomb whose headers under-declare its size', () => {
    // 128 MiB of zeros deflate to ~125 KB; the headers are rewritten to declare 1000 bytes.
    const bomb = declareSize(pythonZip([{ name: 'IM0001.dcm', zeros: 128 * MiB, method: 'deflated' }]), 0, 1000);

    it("is what fflate's unzipSync trusts: it returns the declared 1000 bytes, no error, after inflating it all", () => {
      // Why this module inflates entries itself: fflate sizes its output from the header, drops
      // what does not fit, and spends CPU on the whole stream.
      expect(unzipSync(bomb)['IM0001.dcm']!.length).toBe(1000);
    });

    it('stops at the declared size with 413 zip_too_large, in well under the time inflating it takes', async () => {
      const started = performance.now();
      const err = await refusal(read(bomb, ZIP, { maxUnzippedBytes: MiB }));
      expect([err.status, err.code, err.field]).toEqual([413, 'zip_too_large', 'body']);
      expect(err.message).toBe("the zip's zip entry 0 inflates past 1000 bytes, more than its zip header declares");
      expect(performance.now() - started).toBeLessThan(1_000);
    });
  });

  it('refuses entries that declare more than maxUnzippedBytes together, before inflating any', async () => {
    const zip = pythonZip([
      { name: 'a', bytes: CT, method: 'deflated' },
      { name: 'b', bytes: MR, method: 'deflated' },
    ]);
    const err = await refusal(read(zip, ZIP, { maxUnzippedBytes: CT.length + MR.length - 1 }));
    expect([err.status, err.code]).toEqual([413, 'zip_too_large']);
    expect(err.message).toBe(`the zip's entries declare ${CT.length + MR.length} bytes uncompressed, over the limit of ${CT.length + MR.length - 1}`);
    expect((await read(zip, ZIP, { maxUnzippedBytes: CT.length + MR.length })).parts).toHaveLength(2);
  });

  it('refuses more entries than maxZipEntries, and more instances than maxParts, with 413 too_many_instances', async () => {
    const zip = series(); // five entries, two of them instances
    const entries = await refusal(read(zip, ZIP, { maxZipEntries: 4 }));
    expect([entries.status, entries.code, entries.message]).toEqual([413, 'too_many_instances', 'the zip has 5 entries, over the limit of 4']);
    const parts = await refusal(read(zip, ZIP, { maxParts: 1 }));
    expect([parts.status, parts.code]).toEqual([413, 'too_many_instances']);
    expect((await read(zip, ZIP, { maxZipEntries: 5, maxParts: 2 })).parts).toHaveLength(2);
  });

  it('refuses a truncated or damaged zip with 400 invalid_zip', async () => {
    const zip = pythonZip([
      { name: 'a', bytes: CT, method: 'stored' },
      { name: 'b', bytes: MR, method: 'deflated' },
    ]);
    const [a, b] = zipRecords(zip);
    const flipped = (at: number): Uint8Array => {
      const out = zip.slice();
      out[at] = out[at]! ^ 0xff;
      return out;
    };
    const cases: [Uint8Array, RegExp][] = [
      [zip.subarray(0, zip.length - 100), /no end-of-central-directory record/],
      [zip.subarray(0, 10), /no end-of-central-directory record/],
      [text('PK not really a zip'), /no end-of-central-directory record/],
      [flipped(a!.local + 30 + 1 + 500), /zip entry 0 failing its CRC-32 check/],
      [flipped(b!.local + 30 + 1 + 40), /zip entry 1/],
      [flipped(b!.central), /damaged central directory at entry 1/],
      [flipped(b!.local), /no local header where zip entry 1 should start/],
    ];
    for (const [body, message] of cases) {
      const err = await refusal(read(body, ZIP));
      expect([err.status, err.code]).toEqual([400, 'invalid_zip']);
      expect(err.message).toMatch(message);
    }
  });
});

describe('the request', () => {
  it('refuses other content types with 415 naming the accepted ones', async () => {
    for (const type of ['text/plain', 'image/png', undefined]) {
      const err = await refusal(read(CT, type));
      expect([err.status, err.code, err.field]).toEqual([415, 'unsupported_media_type', 'content-type']);
      expect(err.message).toContain('application/dicom, multipart/related; type="application/dicom", multipart/form-data, application/zip');
    }
  });

  it('refuses a body that does not arrive within bodyTimeoutMs with 408 body_timeout', async () => {
    const trickle = (): ReadableStream<Uint8Array> => new ReadableStream({ start: (c) => c.enqueue(CT.subarray(0, 100)) }); // never closes
    for (const type of ['application/dicom', RELATED('b'), ZIP, 'multipart/form-data; boundary=b']) {
      const request = new Request('http://x/', { method: 'POST', body: trickle(), headers: { 'content-type': type }, duplex: 'half' } as RequestInit);
      const err = await refusal(readInstanceParts(request, { ...LIMITS, bodyTimeoutMs: 50 }));
      expect([err.status, err.code, err.headers]).toEqual([408, 'body_timeout', { connection: 'close' }]);
    }
  });
});
