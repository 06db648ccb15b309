/**
 * countComponents8 against hand-drawn masks (diagonals join, shapes whose arms only meet rows
 * later), against a plain flood fill on random masks, against scipy.ndimage.label on real
 * covid-semiseg masks (testdata/lesion-vectors.json, made by make-lesion-vectors.py), and at
 * 4096x4096 with millions of components.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../../../shared/image/gray-image.js';
import { countComponents8 } from './connected-components.js';
import { loadTestMask, pseudoRandomBytes } from './imaging-data.test-support.js';

interface LesionVectors {
  vectors: { file: string; width: number; height: number; infectedPixels: number; lesionCount8: number; lesionCount4: number }[];
}
const lesionVectors = JSON.parse(readFileSync(new URL('testdata/lesion-vectors.json', import.meta.url), 'utf8')) as LesionVectors;

/** A mask from rows of '#' (infected) and '.' (clear). */
function draw(...rows: string[]): GrayImage {
  const width = rows[0]!.length;
  const data = new Uint8Array(width * rows.length);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) data[y * width + x] = row[x] === '#' ? 255 : 0;
  });
  return { width, height: rows.length, data };
}

/** The obvious algorithm, as an oracle: breadth-first flood fill over the 8 neighbours. */
function floodFillCount({ width, height, data }: GrayImage): number {
  const seen = new Uint8Array(width * height);
  const queue = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < data.length; start++) {
    if (data[start] === 0 || seen[start]) continue;
    count++;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    seen[start] = 1;
    while (head < tail) {
      const p = queue[head++]!;
      const px = p % width;
      const py = (p - px) / width;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = px + dx;
          const y = py + dy;
          if (x < 0 || y < 0 || x >= width || y >= height) continue;
          const q = y * width + x;
          if (data[q] !== 0 && !seen[q]) {
            seen[q] = 1;
            queue[tail++] = q;
          }
        }
      }
    }
  }
  return count;
}

describe('countComponents8, hand-drawn', () => {
  it('empty mask: 0; full mask: 1; 1x1 either way', () => {
    expect(countComponents8({ width: 7, height: 5, data: new Uint8Array(35) })).toBe(0);
    expect(countComponents8({ width: 7, height: 5, data: new Uint8Array(35).fill(255) })).toBe(1);
    expect(countComponents8({ width: 1, height: 1, data: Uint8Array.of(0) })).toBe(0);
    expect(countComponents8({ width: 1, height: 1, data: Uint8Array.of(255) })).toBe(1);
  });

  it('pixels touching only at a corner are one lesion (8-connectivity)', () => {
    expect(countComponents8(draw('#.', '.#'))).toBe(1);
    expect(countComponents8(draw('.#', '#.'))).toBe(1);
    expect(countComponents8(draw('#..', '.#.', '..#'))).toBe(1);
    // a checkerboard is one component under 8-connectivity
    expect(countComponents8(draw('#.#.#', '.#.#.', '#.#.#', '.#.#.'))).toBe(1);
  });

  it('a gap of one pixel keeps lesions apart', () => {
    expect(countComponents8(draw('#.#'))).toBe(2);
    expect(countComponents8(draw('#', '.', '#'))).toBe(2);
    expect(countComponents8(draw('#..', '...', '..#'))).toBe(2);
    expect(countComponents8(draw('#.#.#.#'))).toBe(4);
    expect(countComponents8(draw('##..##', '##..##', '......', '..##..'))).toBe(3);
  });

  it('arms that only meet rows later are one lesion (U, W, comb, spiral)', () => {
    expect(countComponents8(draw('#...#', '#...#', '#####'))).toBe(1);
    expect(countComponents8(draw('#.#.#.#', '#.#.#.#', '.#.#.#.'))).toBe(1);
    expect(countComponents8(draw('#.#.#.#.#', '#.#.#.#.#', '#########', '.........', '#.......#'))).toBe(3);
    expect(countComponents8(draw('#######', '#.....#', '#.###.#', '#.#.#.#', '#.#...#', '#.#####'))).toBe(1);
    // two shapes nested: a ring and a dot inside it
    expect(countComponents8(draw('#####', '#...#', '#.#.#', '#...#', '#####'))).toBe(2);
  });

  it('any nonzero value is foreground', () => {
    expect(countComponents8({ width: 3, height: 1, data: Uint8Array.of(1, 0, 128) })).toBe(2);
  });

  it('refuses a mask whose size does not match its pixels', () => {
    expect(() => countComponents8({ width: 3, height: 3, data: new Uint8Array(8) })).toThrow(RangeError);
  });
});

describe('countComponents8 against a flood fill on random masks', () => {
  it('agrees for 300 random masks of random sizes and densities', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const [w = 1, h = 1, d = 0] = pseudoRandomBytes(3, seed * 7919);
      const width = 1 + (w % 40);
      const height = 1 + (h % 40);
      const density = 0.1 + (d / 255) * 0.6; // below, at and above the percolation threshold
      const noise = pseudoRandomBytes(width * height, seed);
      const data = Uint8Array.from(noise, (v) => (v < density * 256 ? 255 : 0));
      const mask = { width, height, data };
      expect(countComponents8(mask), `seed ${seed} (${width}x${height})`).toBe(floodFillCount(mask));
    }
  });
});

describe('countComponents8 on real masks', () => {
  it('matches scipy.ndimage.label with a 3x3 structure on ten covid-semiseg test masks', () => {
    expect(lesionVectors.vectors).toHaveLength(10);
    // the set includes masks where 4- and 8-connectivity differ, so diagonals are really checked
    expect(lesionVectors.vectors.some((v) => v.lesionCount4 !== v.lesionCount8)).toBe(true);
    for (const v of lesionVectors.vectors) {
      const mask = loadTestMask(v.file);
      expect([mask.width, mask.height]).toEqual([v.width, v.height]);
      expect(countComponents8(mask), v.file).toBe(v.lesionCount8);
    }
  });
});

describe('countComponents8 at 4096x4096', () => {
  const side = 4096;
  it('counts 4 million isolated dots (a dot every other row and column)', () => {
    const data = new Uint8Array(side * side);
    for (let y = 0; y < side; y += 2) for (let x = 0; x < side; x += 2) data[y * side + x] = 255;
    expect(countComponents8({ width: side, height: side, data })).toBe((side / 2) ** 2);
  });

  it('a full-size checkerboard (the most runs a row can have) is one component', () => {
    const data = new Uint8Array(side * side);
    for (let i = 0; i < data.length; i++) data[i] = ((i % side) + Math.floor(i / side)) % 2 === 0 ? 255 : 0;
    expect(countComponents8({ width: side, height: side, data })).toBe(1);
  });

  it('a one-pixel-wide serpentine through every row is one component', () => {
    // rows of bars joined alternately at the right and left ends: merges reach back 4096 rows
    const data = new Uint8Array(side * side);
    for (let y = 0; y < side; y++) {
      if (y % 2 === 0) data.fill(255, y * side, (y + 1) * side);
      else data[y * side + (y % 4 === 1 ? side - 1 : 0)] = 255;
    }
    expect(countComponents8({ width: side, height: side, data })).toBe(1);
  });
});
