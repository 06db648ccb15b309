/**
 * Test support (Node only): compressed DICOM files made at test time by real, independent
 * encoders (DCMTK's dcmcrle / dcmcjpeg / dcmcjpls, GDCM's gdcmconv for JPEG 2000), and their
 * reference decodes by the matching real decoders, so no compressed binary is committed and the
 * project's decode is compared against an oracle outside its own code. (GDCM and DCMTK build on
 * CharLS / OpenJPEG / IJG, as some of the project's WASM codecs do: an oracle, not a proof.)
 *
 * Tool limitations worth knowing (DCMTK 3.6.7, GDCM 3.0):
 * - jpeg-ls-near: dcmcjpls refuses signed pixels, so signed input goes to gdcmconv instead.
 * - jpeg-baseline / jpeg-extended-12: dcmcjpeg scales deeper samples down to 8 / 12 bits and
 *   rewrites Rescale Slope/Intercept to match; compare against referenceDecode, not the input.
 * - gdcmconv (j2k-*, signed jpeg-ls-near) always leaves the Basic Offset Table empty and splits
 *   into fragments only as a second pass (-S, single-frame only); offsetTable: true is refused.
 * - rle with fragmentKiB: DCMTK calls it non-standard (PS3.5 A.4.2 wants one fragment per frame).
 * - HTJ2K: no installed tool encodes it into DICOM, so it is not offered here.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { promisify } from 'node:util';

export type CompressedSyntax =
  | 'rle'
  | 'jpeg-lossless-14'
  | 'jpeg-lossless-sv1'
  | 'jpeg-ls-lossless'
  | 'jpeg-ls-near'
  | 'j2k-lossless'
  | 'j2k-lossy'
  | 'jpeg-baseline'
  | 'jpeg-extended-12';

export const SYNTAX_UID: Record<CompressedSyntax, string> = {
  rle: '1.2.840.10008.1.2.5',
  'jpeg-lossless-14': '1.2.840.10008.1.2.4.57',
  'jpeg-lossless-sv1': '1.2.840.10008.1.2.4.70',
  'jpeg-ls-lossless': '1.2.840.10008.1.2.4.80',
  'jpeg-ls-near': '1.2.840.10008.1.2.4.81',
  'j2k-lossless': '1.2.840.10008.1.2.4.90',
  'j2k-lossy': '1.2.840.10008.1.2.4.91',
  'jpeg-baseline': '1.2.840.10008.1.2.4.50',
  'jpeg-extended-12': '1.2.840.10008.1.2.4.51',
};

/** The syntaxes whose reference decode must equal the input sample for sample. */
export const LOSSLESS: readonly CompressedSyntax[] = ['rle', 'jpeg-lossless-14', 'jpeg-lossless-sv1', 'jpeg-ls-lossless', 'j2k-lossless'];

export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';

const TOOLS = ['dcmdump', 'dcmcrle', 'dcmdrle', 'dcmcjpeg', 'dcmdjpeg', 'dcmcjpls', 'dcmdjpls', 'gdcmconv'] as const;

const onPath = (name: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** The tools this module needs that are not on PATH (apt: dcmtk, libgdcm-tools). */
export const missingTools = (): string[] => TOOLS.filter((t) => !onPath(t));

/** For `describe.skipIf(!toolsAvailable())`; CI installs the tools, so a skip there is a setup bug. */
export const toolsAvailable = (): boolean => missingTools().length === 0;

/** Throws, naming what to install, unless DCMTK and GDCM are on PATH (CI installs them). */
export function requireDicomTools(): void {
  const missing = missingTools();
  if (missing.length) throw new Error(`the compressed-DICOM tests need DCMTK and GDCM (apt-get install dcmtk libgdcm-tools); missing: ${missing.join(', ')}`);
}

const execFileAsync = promisify(execFile);

/**
 * Runs `cmd args` directly (no shell, so paths need no quoting), resolving to its stdout; a
 * failure or a run past timeoutMs rejects with the command line and the tool's stderr.
 */
export async function run(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string; code?: unknown; signal?: unknown };
    const why = e.signal ? `killed by ${String(e.signal)} (timeout ${timeoutMs} ms?)` : `exit ${String(e.code)}`;
    throw new Error(`${cmd} ${args.join(' ')} failed (${why}):\n${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

/** Top-level elements of a dcmdump listing, tag "gggg,eeee" (lowercase) -> printed value. */
function topLevel(dump: string): Map<string, string> {
  const out = new Map<string, string>();
  // Nested elements are indented, so a line starting with '(' is in the top-level dataset.
  for (const m of dump.matchAll(/^\(([0-9a-f]{4},[0-9a-f]{4})\) [A-Z]{2} (.*?)\s+#/gm)) {
    if (!out.has(m[1]!)) out.set(m[1]!, m[2]!.replace(/^\[(.*)\]$/, '$1'));
  }
  return out;
}

const pixelRepresentationOf = async (path: string): Promise<number> =>
  Number(topLevel(await run('dcmdump', ['-Un', '+P', '0028,0103', path])).get('0028,0103'));

/** The file's Transfer Syntax UID, as dcmdump reads it. */
export async function transferSyntaxOf(path: string): Promise<string> {
  const uid = topLevel(await run('dcmdump', ['-Un', '+P', '0002,0010', path])).get('0002,0010');
  if (!uid) throw new Error(`${path}: no Transfer Syntax UID`);
  return uid;
}

export interface CompressOptions {
  /** Split each frame's codestream into fragments of at most this many KiB (default: one per frame). */
  fragmentKiB?: number;
  /** false leaves the Basic Offset Table empty. DCMTK fills it by default; GDCM always leaves it empty (true is refused). */
  offsetTable?: boolean;
  /** jpeg-ls-near: the NEAR maximum deviation (default 2). */
  nearLossless?: number;
  /** j2k-lossy: compression ratio (gdcmconv -r). Default 10. */
  j2kRatio?: number;
}

/** The encoder command for `syntax` (DCMTK tools take fragmentation and offset-table flags; GDCM does not). */
function encoder(syntax: CompressedSyntax, opts: CompressOptions, signed: boolean): [string, string[]] {
  const dcmtk = [
    ...(opts.fragmentKiB !== undefined ? ['+fs', String(opts.fragmentKiB)] : []),
    ...(opts.offsetTable === false ? ['-ot'] : []),
  ];
  switch (syntax) {
    case 'rle':
      return ['dcmcrle', dcmtk];
    case 'jpeg-lossless-14':
      // Process 14 with predictor 6 (DCMTK's default for +el, stated so readers know which one).
      return ['dcmcjpeg', ['+el', '+sv', '6', ...dcmtk]];
    case 'jpeg-lossless-sv1':
      return ['dcmcjpeg', ['+e1', ...dcmtk]];
    // Deeper samples are scaled down to 8 / 12 bits; +rm rewrites Rescale Slope/Intercept to
    // match (DCMTK does so for CT anyway), so modality values stay comparable for MR too.
    case 'jpeg-baseline':
      return ['dcmcjpeg', ['+eb', '+rm', ...dcmtk]];
    case 'jpeg-extended-12':
      return ['dcmcjpeg', ['+ee', '+rm', ...dcmtk]];
    case 'jpeg-ls-lossless':
      return ['dcmcjpls', ['+el', ...dcmtk]];
    case 'jpeg-ls-near':
      // dcmcjpls refuses signed pixels for near-lossless ("Unsupported pixel representation");
      // gdcmconv encodes them, and dcmdjpls decodes its output within NEAR.
      return signed
        ? ['gdcmconv', ['--jpegls', '--lossy', '-e', String(opts.nearLossless ?? 2)]]
        : ['dcmcjpls', ['+en', '+md', String(opts.nearLossless ?? 2), ...dcmtk]];
    case 'j2k-lossless':
      return ['gdcmconv', ['--j2k']];
    case 'j2k-lossy':
      // --lossy alone keeps the reversible 5/3 wavelet (decodes identical, yet labelled .91); the 9/7
      // irreversible wavelet at 10:1 makes it really lossy.
      return ['gdcmconv', ['--j2k', '--lossy', '--irreversible', '-r', String(opts.j2kRatio ?? 10)]];
  }
}

/**
 * Compresses `input` to `syntax` with the real tool, writing into outDir; resolves to the output
 * path once dcmdump confirms its Transfer Syntax UID. Rejects with the tool's stderr on failure.
 *
 * @example const jls = await compressDicom(ct, 'jpeg-ls-lossless', tmp, { fragmentKiB: 4, offsetTable: false });
 */
export async function compressDicom(input: string, syntax: CompressedSyntax, outDir: string, opts: CompressOptions = {}): Promise<string> {
  const signed = syntax === 'jpeg-ls-near' && (await pixelRepresentationOf(input)) === 1;
  const [cmd, args] = encoder(syntax, opts, signed);
  const gdcm = cmd === 'gdcmconv';
  if (gdcm && opts.offsetTable === true) throw new Error(`gdcmconv (${syntax}) cannot write a Basic Offset Table (it leaves it empty)`);
  await mkdir(outDir, { recursive: true });
  const tag = [syntax, opts.fragmentKiB !== undefined ? `f${opts.fragmentKiB}` : '', opts.offsetTable === false ? 'noot' : '', opts.nearLossless !== undefined ? `near${opts.nearLossless}` : '', opts.j2kRatio !== undefined ? `r${opts.j2kRatio}` : '']
    .filter(Boolean)
    .join('.');
  const out = join(outDir, `${basename(input).replace(/\.dcm$/i, '')}.${tag}.dcm`);
  if (gdcm && opts.fragmentKiB !== undefined) {
    // gdcmconv splits into fragments only a file already compressed, so as a second pass.
    const whole = `${out}.whole.dcm`;
    try {
      await run(cmd, [...args, input, whole]);
      await run('gdcmconv', ['-S', String(opts.fragmentKiB * 1024), whole, out]).catch((err: Error) => {
        throw new Error(`${err.message}\n(gdcmconv -S splits single-frame images only)`);
      });
    } finally {
      await rm(whole, { force: true });
    }
  } else {
    await run(cmd, [...args, input, out]);
  }
  const uid = await transferSyntaxOf(out);
  if (uid !== SYNTAX_UID[syntax]) throw new Error(`${cmd} wrote ${out} as ${uid}, expected ${SYNTAX_UID[syntax]} (${syntax})`);
  return out;
}

/** The real decoder for a transfer syntax; each writes Explicit VR Little Endian. */
function decoder(uid: string): [string, string[]] {
  if (uid === SYNTAX_UID.rle) return ['dcmdrle', ['+te']];
  if (['.4.50', '.4.51', '.4.57', '.4.70'].some((s) => uid === `1.2.840.10008.1.2${s}`)) return ['dcmdjpeg', ['+te']];
  if (uid === SYNTAX_UID['jpeg-ls-lossless'] || uid === SYNTAX_UID['jpeg-ls-near']) return ['dcmdjpls', ['+te']];
  if (uid === SYNTAX_UID['j2k-lossless'] || uid === SYNTAX_UID['j2k-lossy']) return ['gdcmconv', ['--raw']];
  throw new Error(`no reference decoder for transfer syntax ${uid}`);
}

/**
 * Decodes a file made by compressDicom with the real decoder its transfer syntax names, into
 * outDir as Explicit VR Little Endian; resolves to that path. The oracle for pixel comparisons.
 */
export async function referenceDecode(input: string, outDir: string): Promise<string> {
  const uid = await transferSyntaxOf(input);
  const [cmd, args] = decoder(uid);
  await mkdir(outDir, { recursive: true });
  const out = join(outDir, `${basename(input).replace(/\.dcm$/i, '')}.decoded.dcm`);
  await run(cmd, [...args, input, out]);
  const got = await transferSyntaxOf(out);
  if (got !== EXPLICIT_VR_LE) throw new Error(`${cmd} wrote ${out} as ${got}, expected ${EXPLICIT_VR_LE}`);
  return out;
}

export interface RawPixels {
  rows: number;
  columns: number;
  frames: number;
  bitsAllocated: number;
  pixelRepresentation: number;
  /** Pixel Data exactly as stored, little endian (all frames, frame after frame). */
  data: Uint8Array;
}

/** Image attributes and native Pixel Data of an uncompressed file (dcmdump +W writes it raw). */
export async function rawPixels(uncompressedPath: string): Promise<RawPixels> {
  const dir = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'rawpixels-'));
  try {
    // +L: dcmdump shortens long values, the written file's path among them.
    const top = topLevel(await run('dcmdump', ['-Un', '+L', '+W', dir, uncompressedPath]));
    const num = (tag: string, fallback?: number): number => {
      const v = top.get(tag);
      if (v === undefined && fallback !== undefined) return fallback;
      const n = Number(v);
      if (!Number.isInteger(n)) throw new Error(`${uncompressedPath}: (${tag}) is ${v ?? 'missing'}`);
      return n;
    };
    const pixel = top.get('7fe0,0010');
    if (!pixel?.startsWith('=')) throw new Error(`${uncompressedPath}: Pixel Data is not native (${pixel ?? 'missing'})`);
    return {
      rows: num('0028,0010'),
      columns: num('0028,0011'),
      frames: num('0028,0008', 1),
      bitsAllocated: num('0028,0100'),
      pixelRepresentation: num('0028,0103'),
      data: new Uint8Array(await readFile(pixel.slice(1))),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Sizes of the Pixel Data items of an encapsulated file: [Basic Offset Table, ...fragments]. */
export async function pixelItemLengths(path: string): Promise<number[]> {
  const dump = await run('dcmdump', ['-Un', path]);
  const seq = dump.slice(dump.search(/^\(7fe0,0010\) OB \(PixelSequence/m));
  const end = seq.search(/^\(fffe,e0dd\)/m);
  return [...seq.slice(0, end).matchAll(/^ {2}\(fffe,e000\) pi .*?#\s*(\d+),/gm)].map((m) => Number(m[1]));
}
