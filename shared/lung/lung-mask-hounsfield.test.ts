import { describe, expect, it } from 'vitest';
import { lungMaskFromHounsfield } from './lung-mask-hounsfield.js';
import { AIR, inEllipse, LEFT_OF_IMAGE, LUNG, phantom, RIGHT_OF_IMAGE, SIZE, TISSUE, type Ellipse } from './phantom.test-support.js';

const MM1 = { pixelSpacingMm: [1, 1] as const };
const ellipseArea = (e: Ellipse): number => Math.PI * e.rx * e.ry;

describe('lungMaskFromHounsfield on synthetic phantoms', () => {
  it('finds two lungs, label 1 the one with the smaller column, each close to its ellipse', () => {
    const lung = lungMaskFromHounsfield(phantom(), MM1);
    expect(lung).toMatchObject({ found: true, method: 'hounsfield', width: SIZE, height: SIZE });
    expect(lung.failure).toBeUndefined();
    expect(lung.lungs.map((l) => l.label)).toEqual([1, 2]);
    expect(lung.lungs[0]!.centroidColumn).toBeCloseTo(LEFT_OF_IMAGE.cx, 0);
    expect(lung.lungs[1]!.centroidColumn).toBeCloseTo(RIGHT_OF_IMAGE.cx, 0);
    for (const l of lung.lungs) expect(l.pixels / ellipseArea(LEFT_OF_IMAGE)).toBeGreaterThan(0.97), expect(l.pixels / ellipseArea(LEFT_OF_IMAGE)).toBeLessThan(1.03);
    // Every label pixel lies in its own lung's ellipse (no tissue, no outside air).
    for (let i = 0; i < lung.labels.length; i++) {
      const l = lung.labels[i]!;
      if (l) expect(inEllipse(l === 1 ? LEFT_OF_IMAGE : RIGHT_OF_IMAGE, i % SIZE, Math.floor(i / SIZE))).toBe(true);
    }
  });

  it('does not count the trachea (a small air region in the mediastinum)', () => {
    const trachea = { cx: 160, cy: 90, rx: 8, ry: 8 };
    const lung = lungMaskFromHounsfield(phantom(undefined, (x, y, hu) => (inEllipse(trachea, x, y) ? AIR : hu)), MM1);
    expect(lung.found).toBe(true);
    for (let y = 82; y <= 98; y++) for (let x = 152; x <= 168; x++) expect(lung.labels[y * SIZE + x]).toBe(0);
  });

  it('keeps a dense subpleural lesion inside its lung, and a central consolidation too', () => {
    // A soft-tissue half-disk against the lateral chest-wall side of the left lung, and a dense blob inside the right one.
    const lesion = { cx: LEFT_OF_IMAGE.cx - LEFT_OF_IMAGE.rx, cy: 170, rx: 9, ry: 9 };
    const blob = { cx: RIGHT_OF_IMAGE.cx, cy: 140, rx: 15, ry: 12 };
    const slice = phantom(undefined, (x, y, hu) => (inEllipse(lesion, x, y) || inEllipse(blob, x, y) ? TISSUE : hu));
    const lung = lungMaskFromHounsfield(slice, MM1);
    expect(lung.found).toBe(true);
    let lesionPixels = 0;
    let lesionInside = 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const l = lung.labels[y * SIZE + x];
        if (inEllipse(lesion, x, y) && inEllipse(LEFT_OF_IMAGE, x, y)) (lesionPixels++, l === 1 && lesionInside++);
        if (inEllipse(blob, x, y)) expect(l).toBe(2);
      }
    }
    expect(lesionPixels).toBeGreaterThan(100);
    // All but a sliver: the rim of the ellipse bulges past the hull's chord across the bay.
    expect(lesionInside / lesionPixels).toBeGreaterThan(0.95);
    expect(lung.labels[lesion.cy * SIZE + lesion.cx + 1]).toBe(1);
  });

  it('splits touching lungs and gives every pixel of the joined region to one of them', () => {
    const a = { cx: 112, cy: 160, rx: 46, ry: 80 };
    const b = { cx: 208, cy: 160, rx: 46, ry: 80 };
    // The lungs' edges are 3 px apart, joined by an 8 px tall strip of low density (the anterior junction).
    const bridge = (x: number, y: number): boolean => x >= 156 && x <= 164 && y >= 150 && y < 158;
    const slice = phantom([a, b], (x, y, hu) => (bridge(x, y) ? LUNG : hu));
    const lung = lungMaskFromHounsfield(slice, MM1);
    expect(lung.found).toBe(true);
    expect(lung.lungs[0]!.centroidColumn).toBeLessThan(160);
    expect(lung.lungs[1]!.centroidColumn).toBeGreaterThan(160);
    for (const l of lung.lungs) expect(l.pixels / ellipseArea(a)).toBeGreaterThan(0.97);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        if (inEllipse(a, x, y)) expect(lung.labels[y * SIZE + x]).toBe(1);
        if (inEllipse(b, x, y)) expect(lung.labels[y * SIZE + x]).toBe(2);
      }
    }
  });

  it('finds lungs cut open by a tight crop (touching the image border)', () => {
    // Crop to the lungs' rows: the chest wall above and below is gone, the lungs reach the border.
    const full = phantom();
    const y0 = 100;
    const h = 120;
    const data = full.data.slice(y0 * SIZE, (y0 + h) * SIZE);
    const lung = lungMaskFromHounsfield({ width: SIZE, height: h, data }, MM1);
    expect(lung.found).toBe(true);
    expect(lung.labels[0 * SIZE + LEFT_OF_IMAGE.cx]).toBe(1);
    expect(lung.labels[(h - 1) * SIZE + RIGHT_OF_IMAGE.cx]).toBe(2);
  });

  it('says why when there are not two lungs', () => {
    expect(lungMaskFromHounsfield(phantom([]), MM1)).toMatchObject({ found: false, failure: 'no_lung', lungs: [] });
    const one = lungMaskFromHounsfield(phantom([LEFT_OF_IMAGE]), MM1);
    expect(one).toMatchObject({ found: false, failure: 'one_lung' });
    expect(one.labels.every((v) => v === 0)).toBe(true);
    const air = { width: 64, height: 64, data: new Float32Array(64 * 64).fill(AIR) };
    expect(lungMaskFromHounsfield(air, MM1)).toMatchObject({ found: false, failure: 'no_body' });
  });

  it('scales its sizes with the pixel spacing', () => {
    // The same phantom read as 0.25 mm pixels: each lung is then 2.8 cm², too small to be a lung.
    expect(lungMaskFromHounsfield(phantom(), { pixelSpacingMm: [0.25, 0.25] })).toMatchObject({ found: false });
    expect(lungMaskFromHounsfield(phantom(), { pixelSpacingMm: [0.7, 0.7] }).found).toBe(true);
  });

  it('rejects a bad size or spacing, naming it', () => {
    expect(() => lungMaskFromHounsfield({ width: 3, height: 3, data: new Float32Array(8) })).toThrow(/image: 8 pixels for a 3x3 image/);
    expect(() => lungMaskFromHounsfield(phantom(), { pixelSpacingMm: [0, 1] })).toThrow(/pixelSpacingMm/);
  });
});
