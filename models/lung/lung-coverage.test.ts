import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSlices, loadSlice } from '../evaluate/load-slices.js';
import { grayToHounsfield, measureSlice, summarise } from './lung-coverage.js';

const DATA = join(process.cwd(), '../shared/data/covid-semiseg/train');
// Three ordinary train slices (lungs side by side, and top and bottom): not the worst ones,
// whose consolidations no density method can find (see models/lung/measure-lung-mask.ts).
const NAMES = ['11', '13', '42'];

describe('lung masks on real covid-semiseg train slices', () => {
  it('finds two lungs holding >= 95 % of the radiologist infection, with both methods', async () => {
    const files = await listSlices(join(DATA, 'images'), join(DATA, 'masks'), { names: NAMES });
    const slices = await Promise.all(files.map(loadSlice));
    for (const method of ['intensity', 'hounsfield'] as const) {
      const rows = slices.map((s) => measureSlice(method, s.name, s.image, s.mask).coverage);
      for (const r of rows) {
        expect(r.found, `${method} ${r.name}`).toBe(true);
        expect(r.inside / r.infectionPixels, `${method} ${r.name}`).toBeGreaterThanOrEqual(0.95);
        expect(r.insideDilated).toBeGreaterThanOrEqual(r.inside);
      }
      expect(summarise(rows).found).toBe(NAMES.length);
    }
  });

  it('maps gray back to HU through the inverse lung window', () => {
    const hu = grayToHounsfield({ width: 3, height: 1, data: Uint8Array.of(0, 85, 255) }).data;
    // DEFAULT_LUNG_WINDOW -405/1375: gray 0 is -1092.5 HU, each gray step 1375/255 HU
    [-1092.5, -634.17, 282.5].forEach((v, i) => expect(hu[i]).toBeCloseTo(v, 2));
  });
});
