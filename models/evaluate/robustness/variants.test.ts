/**
 * The robustness variants on a real labelled slice, through the product's decoders: each upload
 * decodes (DICOM in HU, JPEG with its EXIF orientation undone) to an image of its ground truth's
 * size, the CT ones clip at -1024 HU as stored CT does, and the geometric photo variants move the
 * mask with the image.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCodecWasm } from '../../../edge/src/decode/dicom/codecs/codec-wasm.node.js';
import { toGray8 } from '../../../edge/src/imaging/to-gray8.js';
import { DEFAULT_WINDOW_OPTION } from '../../../edge/src/imaging/window.js';
import { decodeUpload } from '../../../edge/src/upload/decode-upload.js';
import { classifyUpload } from '../../../edge/src/upload/read-slices.js';
import { listSlices, loadSlice } from '../load-slices.js';
import { VARIANTS } from './variants.js';

function minOf(data: ArrayLike<number>): number {
  let min = Infinity;
  for (let i = 0; i < data.length; i++) min = Math.min(min, data[i]!);
  return min;
}
const DATA = new URL('../../../../shared/data/covid-semiseg/train/', import.meta.url).pathname;

describe('robustness variants', () => {
  it('decode through the product to their ground truth’s size; CT clips at -1024 HU; photos move the mask with the image', async () => {
    const [file] = await listSlices(`${DATA}images`, `${DATA}masks`, { names: ['2'] });
    const slice = await loadSlice(file!);
    const dir = await mkdtemp(join(tmpdir(), 'bsnet-variants-test-'));
    try {
      const names = new Set<string>();
      for (const variant of VARIANTS) {
        names.add(variant.name);
        const upload = await variant.make(slice, dir);
        const decoded = await decodeUpload(classifyUpload(upload.bytes, upload.contentType, 'variant'), nodeCodecWasm);
        const gray = toGray8(decoded, upload.window ?? DEFAULT_WINDOW_OPTION);
        const upright = { width: decoded.kind === 'gray' ? (decoded.sourceWidth ?? gray.width) : gray.width, height: decoded.kind === 'gray' ? (decoded.sourceHeight ?? gray.height) : gray.height };
        if (variant.family === 'hu') {
          // A 512x512 stretch of the slice, scored back at the mask's size.
          expect(decoded.kind === 'hounsfield' || variant.name.startsWith('ct-gray8'), variant.name).toBe(true);
          expect([gray.width, gray.height]).toEqual([512, 512]);
          if (decoded.kind === 'hounsfield') expect(minOf(decoded.data)).toBeGreaterThanOrEqual(-1024);
        } else {
          expect([upright.width, upright.height], variant.name).toEqual([upload.mask.width, upload.mask.height]);
        }
        const inside = upload.mask.data.reduce((n, v) => n + (v > 128 ? 1 : 0), 0);
        expect(inside, variant.name).toBeGreaterThan(0);
      }
      expect(names.size).toBe(VARIANTS.length);
      // Stored CT has nothing below -1024 HU: under the default (measured) lung window that is
      // gray 13, so the slice's darkest grays (0..12) become 13; read as the standard -600/1500
      // preset and windowed back with it, the floor is gray 55.
      const darkest = async (prefix: string) => {
        const upload = await VARIANTS.find((v) => v.name.startsWith(prefix))!.make(slice, dir);
        const decoded = await decodeUpload(classifyUpload(upload.bytes, upload.contentType, 'v'), nodeCodecWasm);
        return minOf(toGray8(decoded, upload.window).data);
      };
      expect(minOf(slice.image.data)).toBeLessThan(10);
      expect(await darkest('ct-unsigned-12bit (')).toBe(13);
      expect(await darkest('ct-from-standard-window-12bit, window -600/1500')).toBeGreaterThanOrEqual(50);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
