/**
 * Probe (BSNET_PRINT_PROBE=1 only; its figures go into notes, not CI): the real Worker's memory in
 * workerd while it decodes one 512x512 CT slice (12 bits stored, unsigned with intercept) in every
 * compressed syntax the fixtures make, HTJ2K included, several uploads each. Prints workerd's
 * resident set and peak (VmHWM, /proc via workerd-memory) after each syntax and the growth over the
 * uncompressed baseline. Asserts only what is robust: every answer 200, and the peak stays under
 * 128 MiB (the isolate's limit) above the workerd process's resident set before the first upload.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressDicom, SYNTAX_UID, type CompressedSyntax } from '../../edge/src/decode/dicom/compressed-fixtures.test-support.js';
import { ctSliceDicom } from '../../edge/src/decode/dicom/ct-slice.test-support.js';
import { htj2kDicom } from '../../edge/src/decode/dicom/htj2k-fixture.test-support.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { workerdMemory } from './workerd-memory.js';

const MiB = 1024 * 1024;
const UPLOADS_EACH = 3;
const ISOLATE_LIMIT = 128 * MiB;
const SLICE = new URL('../../../shared/data/covid-semiseg/test/images/18.jpg', import.meta.url).pathname;

let stack: EdgeStack;
let key: string;
let dir: string;
const files = new Map<string, Uint8Array>();

describe.skipIf(!process.env.BSNET_PRINT_PROBE)('compressed DICOM through the real edge: workerd memory', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bsnet-dicom-memory-'));
    const ct = await ctSliceDicom({ jpegPath: SLICE, outPath: join(dir, 'ct512.dcm'), storage: 'unsigned-intercept', bitsStored: 12 });
    files.set('uncompressed', new Uint8Array(await readFile(ct)));
    for (const syntax of Object.keys(SYNTAX_UID) as CompressedSyntax[]) files.set(syntax, new Uint8Array(await readFile(await compressDicom(ct, syntax, dir))));
    files.set('htj2k-lossless', new Uint8Array(await readFile(await htj2kDicom(ct, join(dir, 'ct512.htj2k.dcm')))));
    files.set('htj2k-lossy', new Uint8Array(await readFile(await htj2kDicom(ct, join(dir, 'ct512.htj2k-lossy.dcm'), { lossless: false }))));
    stack = await startEdgeStack();
    key = await stack.key('acme');
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const post = (body: Uint8Array): Promise<Response> =>
    stack.fetch('/v1/segment', {
      method: 'POST',
      body: body as Uint8Array<ArrayBuffer>,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/dicom' },
    });

  /** The largest workerd process (the one running the Worker; miniflare may start others). */
  const largest = () => {
    const all = workerdMemory();
    if (!all.length) throw new Error('no workerd process found below this test process');
    return all.reduce((a, b) => (b.rss > a.rss ? b : a));
  };

  it('decodes every syntax with 200, the peak staying under 128 MiB above the starting resident set', async () => {
    const start = largest();
    const lines = [`workerd pid ${start.pid} before the first upload: RSS ${(start.rss / MiB).toFixed(1)} MiB, VmHWM ${(start.hwm / MiB).toFixed(1)} MiB`];
    let baseline: { rss: number; hwm: number } | undefined;
    let peak = start.hwm;
    const answered = new Map<string, number[]>();
    for (const [name, bytes] of files) {
      const statuses: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < UPLOADS_EACH; i++) {
        const res = await post(bytes);
        statuses.push(res.status);
        const text = await res.text();
        if (res.status !== 200) lines.push(`  ${name}: ${res.status} ${text.slice(0, 300)}`);
      }
      const ms = (performance.now() - t0) / UPLOADS_EACH;
      const now = workerdMemory().find((p) => p.pid === start.pid) ?? largest();
      baseline ??= now;
      peak = Math.max(peak, now.hwm);
      lines.push(
        `${name.padEnd(18)} ${String(bytes.length).padStart(7)} B  ${ms.toFixed(0).padStart(4)} ms/upload  ` +
          `RSS ${(now.rss / MiB).toFixed(1).padStart(6)} MiB (${signed((now.rss - baseline.rss) / MiB)} over uncompressed)  ` +
          `VmHWM ${(now.hwm / MiB).toFixed(1).padStart(6)} MiB (${signed((now.hwm - baseline.hwm) / MiB)})  statuses ${statuses.join(',')}`,
      );
      answered.set(name, statuses);
    }
    lines.push(`peak VmHWM ${(peak / MiB).toFixed(1)} MiB = ${((peak - start.rss) / MiB).toFixed(1)} MiB above the starting RSS`);
    console.log(lines.join('\n'));
    for (const [name, statuses] of answered) expect(statuses, name).toEqual(Array(UPLOADS_EACH).fill(200));
    expect(peak - start.rss).toBeLessThan(ISOLATE_LIMIT);
  }, 300_000);
});

const signed = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
