import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import UPNG from 'upng-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStandInModel } from '../stand-in/write-stand-in.js';
import { evaluateModel, type EvaluationResult } from './evaluate-model.js';
import { listSlices, loadSlice, SliceLoadError } from './load-slices.js';
import { renderOverlay } from './overlay.js';

const TEST_SET = fileURLToPath(new URL('../../../shared/data/covid-semiseg/test/', import.meta.url));
const images = join(TEST_SET, 'images');
const masks = join(TEST_SET, 'masks');

let dir: string;
let result: EvaluationResult;
const progress: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-eval-'));
  const manifestPath = await writeStandInModel(join(dir, 'model'));
  // Batch 3 over 4 slices also exercises a short last batch.
  result = await evaluateModel({ manifestPath, images, masks, limit: 4, batch: 3, overlaysDir: join(dir, 'overlays'), onProgress: (d) => progress.push(d) });
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('evaluateModel on the stand-in model', () => {
  it('scores the first 4 test slices with finite, in-range numbers', () => {
    // The stand-in is random: only the shape of the result is checked, never its accuracy.
    expect(result.count).toBe(4);
    expect(result.perImage).toHaveLength(4);
    const { scores } = result;
    for (const key of ['meanDice', 'meanSensitivity', 'meanSpecificity', 'sMeasure', 'meanEMeasure', 'mae'] as const) {
      expect(Number.isFinite(scores[key]), key).toBe(true);
      expect(scores[key], key).toBeGreaterThanOrEqual(0);
      // E-measure may exceed 1 by N / (N - 1) (the MATLAB denominator); nothing else can.
      expect(scores[key], key).toBeLessThanOrEqual(key === 'meanEMeasure' ? 1.001 : 1);
    }
    expect(progress).toEqual([3, 4]);
    expect(result.model.name).toBe('bsnet-stand-in-untrained');
    expect(result.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.provider).toBe('cpu');
    expect(result.seconds).toBeGreaterThan(0);
  });

  it('reports every slice at its mask size, in name order', async () => {
    const files = await listSlices(images, masks, { limit: 4 });
    expect(result.perImage.map((p) => p.name)).toEqual(files.map((f) => f.name));
    for (const [i, p] of result.perImage.entries()) {
      const { mask } = await loadSlice(files[i]!);
      expect([p.width, p.height]).toEqual([mask.width, mask.height]);
      expect(p.dice05).toBeGreaterThanOrEqual(0);
      expect(p.dice05).toBeLessThanOrEqual(1);
    }
  });

  it('writes one valid RGB overlay PNG per slice, at the mask size', async () => {
    const written = (await readdir(join(dir, 'overlays'))).sort();
    expect(written).toEqual(result.perImage.map((p) => `${p.name}.png`).sort());
    for (const p of result.perImage) {
      const bytes = await readFile(join(dir, 'overlays', `${p.name}.png`));
      const png = UPNG.decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      expect([png.width, png.height]).toEqual([p.width, p.height]);
      expect(png.ctype).toBe(2); // RGB
      expect(png.depth).toBe(8);
    }
  });
});

describe('evaluateModel inputs', () => {
  it('names an image without a mask before loading any model', async () => {
    const err = await evaluateModel({ manifestPath: join(dir, 'none.json'), images, masks: join(TEST_SET, 'images') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SliceLoadError);
    expect((err as Error).message).toMatch(/has no mask .*\.png in/);
  });

  it('names a missing folder', async () => {
    await expect(listSlices(join(dir, 'nope'), masks)).rejects.toThrow(/cannot read the images folder .*nope/);
  });
});

describe('renderOverlay', () => {
  // 3x3 slice of gray 100; the mask's foreground is the left column and the middle pixel.
  const slice = { width: 3, height: 3, data: new Uint8Array(9).fill(100) };
  const mask = { width: 3, height: 3, data: Uint8Array.from([255, 0, 0, 255, 255, 0, 255, 0, 0]) };
  const prob = { width: 3, height: 3, data: Float32Array.from([0, 0, 0.5, 0, 0, 0, 0, 0, 0.49]) };
  const px = (img: { width: number; data: Uint8Array }, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];

  it('outlines the mask in green, tints p >= 0.5 red, and leaves the rest gray', () => {
    const out = renderOverlay(slice, prob, mask);
    expect([out.width, out.height]).toEqual([3, 3]);
    expect(px(out, 0, 0)).toEqual([0, 255, 0]); // mask pixel beside background
    expect(px(out, 1, 1)).toEqual([0, 255, 0]);
    expect(px(out, 2, 0)).toEqual([Math.round(100 * 0.55 + 255 * 0.45), Math.round(100 * 0.55 + 40 * 0.45), Math.round(100 * 0.55 + 40 * 0.45)]);
    expect(px(out, 2, 2)).toEqual([100, 100, 100]); // 0.49 is below the threshold
  });

  it('puts the plain slice left of the overlay when asked', () => {
    const out = renderOverlay(slice, prob, mask, { sideBySide: true });
    expect([out.width, out.height]).toEqual([6, 3]);
    expect(px(out, 0, 0)).toEqual([100, 100, 100]);
    expect(px(out, 3, 0)).toEqual([0, 255, 0]);
  });

  it('names a map whose size differs from the slice', () => {
    expect(() => renderOverlay(slice, { width: 1, height: 1, data: new Float32Array(1) }, mask)).toThrow(/probability map is 1x1/);
  });
});
