/**
 * Counts the 8-connected components (lesions) of a binary mask in one pass over its rows, holding
 * only two rows of runs and a union-find over their labels: O(width) memory whatever the height,
 * no recursion and no per-pixel label image (a 4096x4096 Int32 label map alone would be 64 MB of
 * a 128 MB isolate). Runtime-neutral (Web APIs only).
 */
import { assertImageShape, type GrayImage } from '../../../shared/image/gray-image.js';

/**
 * Runs of foreground pixels in one row, in left-to-right order; `label` indexes the union-find.
 * A row of width w has at most ceil(w / 2) runs.
 */
interface Runs {
  start: Int32Array;
  end: Int32Array;
  label: Int32Array;
  count: number;
}

const newRuns = (capacity: number): Runs => ({
  start: new Int32Array(capacity),
  end: new Int32Array(capacity),
  label: new Int32Array(capacity),
  count: 0,
});

/**
 * The number of 8-connected components of the nonzero pixels (diagonal neighbours touch), the
 * count scipy.ndimage.label gives with `structure=np.ones((3, 3))`.
 *
 * Labels live one row at a time: after each row the components that reach it are renumbered
 * 0..k-1 and the union-find starts over with those k, and every component that did not reach it
 * has ended and is counted.
 *
 * @example
 * countComponents8({ width: 3, height: 2, data: Uint8Array.of(255, 0, 0, 0, 255, 0) }); // 1
 */
export function countComponents8(mask: GrayImage): number {
  assertImageShape(mask, 'mask');
  const { width, height, data } = mask;
  const capacity = (width + 1) >> 1;
  let prev = newRuns(capacity);
  let cur = newRuns(capacity);
  // Labels of one step: the previous row's k components plus at most one new label per run.
  const parent = new Int32Array(2 * capacity);
  const renumber = new Int32Array(2 * capacity);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      const up = parent[parent[x]!]!;
      parent[x] = up; // path halving keeps later finds short
      x = up;
    }
    return x;
  };

  let alive = 0; // components that reach the previous row, labelled 0..alive-1
  let ended = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let labels = alive;
    cur.count = 0;
    let p = 0; // first previous-row run that can still touch a run at or right of x
    let x = 0;
    while (x < width) {
      if (data[row + x] === 0) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && data[row + x] !== 0) x++;
      const end = x - 1;
      // 8-connectivity: a run [start, end] touches previous runs overlapping [start - 1, end + 1].
      while (p < prev.count && prev.end[p]! < start - 1) p++;
      let label = -1;
      for (let q = p; q < prev.count && prev.start[q]! <= end + 1; q++) {
        const root = find(prev.label[q]!);
        if (label < 0) label = root;
        else if (root !== label) parent[root] = label;
      }
      if (label < 0) {
        label = labels++;
        parent[label] = label;
      }
      const i = cur.count++;
      cur.start[i] = start;
      cur.end[i] = end;
      cur.label[i] = label;
    }

    // Every root among this step's labels is a distinct component; those without a run in this
    // row cannot grow any further.
    let roots = 0;
    for (let l = 0; l < labels; l++) if (parent[l] === l) roots++;
    renumber.fill(-1, 0, labels);
    let next = 0;
    for (let i = 0; i < cur.count; i++) {
      const root = find(cur.label[i]!);
      if (renumber[root]! < 0) renumber[root] = next++;
      cur.label[i] = renumber[root]!;
    }
    ended += roots - next;
    alive = next;
    for (let l = 0; l < alive; l++) parent[l] = l;
    [prev, cur] = [cur, prev];
  }
  return ended + alive;
}
