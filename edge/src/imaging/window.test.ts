/**
 * The window option: its schema, canonical key and what it resolves to for a file. How the query
 * string chooses it is tested with the query's parser (api/segment-query.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseSegmentQuery } from '../api/segment-query.js';
import { DEFAULT_LUNG_WINDOW, DEFAULT_WINDOW_OPTION, resolveWindow, WindowOption, windowKey } from './window.js';

const parse = (query: string) => parseSegmentQuery(new URLSearchParams(query)).window;

describe('WindowOption', () => {
  it('accepts the three kinds and refuses width < 1, non-finite numbers and extra keys', () => {
    expect(WindowOption.parse({ kind: 'lung' })).toEqual({ kind: 'lung' });
    expect(WindowOption.parse({ kind: 'file' })).toEqual({ kind: 'file' });
    expect(WindowOption.parse({ kind: 'custom', center: 40, width: 1 })).toEqual({ kind: 'custom', center: 40, width: 1 });
    expect(WindowOption.safeParse({ kind: 'custom', center: 40, width: 0.99 }).success).toBe(false);
    expect(WindowOption.safeParse({ kind: 'custom', center: Number.NaN, width: 400 }).success).toBe(false);
    expect(WindowOption.safeParse({ kind: 'custom', center: 40, width: Number.POSITIVE_INFINITY }).success).toBe(false);
    expect(WindowOption.safeParse({ kind: 'lung', center: 1 }).success).toBe(false);
    expect(WindowOption.safeParse({ kind: 'bone' }).success).toBe(false);
  });

  it('defaults to the lung window measured from the training slices, -405/1375', () => {
    expect(DEFAULT_WINDOW_OPTION).toEqual({ kind: 'lung' });
    expect(DEFAULT_LUNG_WINDOW).toEqual({ center: -405, width: 1375 });
  });
});

describe('windowKey', () => {
  it('is short and canonical', () => {
    // the preset's values are in its key: results cached under an earlier preset are not reused
    expect(windowKey({ kind: 'lung' })).toBe('lung-405w1375');
    expect(windowKey({ kind: 'file' })).toBe('file');
    expect(windowKey({ kind: 'custom', center: -600, width: 1500 })).toBe('c-600w1500');
    expect(windowKey({ kind: 'custom', center: 40.5, width: 1 })).toBe('c40.5w1');
    expect(windowKey({ kind: 'custom', center: -0, width: 2 })).toBe('c0w2');
  });

  it('agrees for the same window however the query spelled it', () => {
    const a = windowKey(parse('windowCenter=-600.0&windowWidth=1.5e3'));
    const b = windowKey(parse('windowCenter=-600&windowWidth=1500&window=custom'));
    expect(a).toBe('c-600w1500');
    expect(b).toBe(a);
  });
});

describe('resolveWindow', () => {
  const fileWindow = { center: 40, width: 400 };
  it('lung ignores the file, file uses it, custom is itself', () => {
    expect(resolveWindow({ kind: 'lung' }, fileWindow)).toEqual(DEFAULT_LUNG_WINDOW);
    expect(resolveWindow({ kind: 'file' }, fileWindow)).toEqual(fileWindow);
    expect(resolveWindow({ kind: 'custom', center: 1, width: 2 }, fileWindow)).toEqual({ center: 1, width: 2 });
  });
  it('file falls back to lung when the file has no window', () => {
    expect(resolveWindow({ kind: 'file' })).toEqual(DEFAULT_LUNG_WINDOW);
  });
  it('widens a file window narrower than 1 to 1 (a threshold)', () => {
    expect(resolveWindow({ kind: 'file' }, { center: 10, width: 0.25 })).toEqual({ center: 10, width: 1 });
  });
});
