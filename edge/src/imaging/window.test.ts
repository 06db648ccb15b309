/**
 * The window option: its schema, canonical key, what it resolves to for a file, and the query
 * parser's answers and refusals (each refusal must name its parameter).
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LUNG_WINDOW,
  DEFAULT_WINDOW_OPTION,
  parseWindowParams,
  resolveWindow,
  WindowOption,
  WindowParamError,
  windowKey,
  type WindowParamField,
} from './window.js';

const parse = (query: string) => parseWindowParams(new URLSearchParams(query));

function expectParamError(query: string, field: WindowParamField, message: RegExp): void {
  let caught: unknown;
  try {
    parse(query);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(WindowParamError);
  expect((caught as WindowParamError).field).toBe(field);
  expect((caught as WindowParamError).message).toMatch(message);
}

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

  it('defaults to the lung window, -600/1500', () => {
    expect(DEFAULT_WINDOW_OPTION).toEqual({ kind: 'lung' });
    expect(DEFAULT_LUNG_WINDOW).toEqual({ center: -600, width: 1500 });
  });
});

describe('windowKey', () => {
  it('is short and canonical', () => {
    expect(windowKey({ kind: 'lung' })).toBe('lung');
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

describe('parseWindowParams', () => {
  it('no parameters: lung', () => {
    expect(parse('')).toEqual({ kind: 'lung' });
    expect(parse('probability=true')).toEqual({ kind: 'lung' });
  });
  it('named windows', () => {
    expect(parse('window=lung')).toEqual({ kind: 'lung' });
    expect(parse('window=file')).toEqual({ kind: 'file' });
  });
  it('custom windows, with or without window=custom', () => {
    expect(parse('windowCenter=40&windowWidth=400')).toEqual({ kind: 'custom', center: 40, width: 400 });
    expect(parse('window=custom&windowCenter=-600.5&windowWidth=1')).toEqual({ kind: 'custom', center: -600.5, width: 1 });
    expect(parse('windowCenter=%2B40&windowWidth=.5e1')).toEqual({ kind: 'custom', center: 40, width: 5 });
  });
  it('reads a plain record too (Hono c.req.query())', () => {
    expect(parseWindowParams({ windowCenter: '40', windowWidth: '400' })).toEqual({ kind: 'custom', center: 40, width: 400 });
    expect(parseWindowParams({ window: 'file' })).toEqual({ kind: 'file' });
    expect(parseWindowParams({})).toEqual({ kind: 'lung' });
  });

  it('refuses unknown names, naming `window`', () => {
    expectParamError('window=bone', 'window', /one of lung, file, custom.*"bone"/);
    expectParamError('window=', 'window', /one of lung, file, custom/);
    expectParamError('window=LUNG', 'window', /one of/);
  });
  it('refuses a named window mixed with numbers', () => {
    expectParamError('window=lung&windowCenter=40&windowWidth=400', 'window', /cannot be combined/);
    expectParamError('window=file&windowWidth=400', 'window', /cannot be combined/);
  });
  it('refuses half a custom window, naming the missing half', () => {
    expectParamError('windowCenter=40', 'windowWidth', /without windowWidth/);
    expectParamError('windowWidth=400', 'windowCenter', /without windowCenter/);
    expectParamError('window=custom', 'windowCenter', /needs windowCenter and windowWidth/);
  });
  it('refuses numbers that are not plain finite decimals', () => {
    for (const bad of ['', 'abc', '0x10', 'Infinity', 'NaN', '1e999', '40px', ' 40', '1,5', '1'.repeat(25)]) {
      expectParamError(`windowCenter=${encodeURIComponent(bad)}&windowWidth=400`, 'windowCenter', /windowCenter must be/);
    }
  });
  it('refuses widths below 1 (PS3.3 C.11.2.1.2)', () => {
    expectParamError('windowCenter=40&windowWidth=0.5', 'windowWidth', /at least 1, got 0.5/);
    expectParamError('windowCenter=40&windowWidth=-400', 'windowWidth', /at least 1/);
    expectParamError('windowCenter=40&windowWidth=0', 'windowWidth', /at least 1/);
  });
  it('refuses a parameter given twice', () => {
    expectParamError('window=lung&window=file', 'window', /given 2 times/);
    expectParamError('windowCenter=1&windowCenter=2&windowWidth=3', 'windowCenter', /given 2 times/);
  });
});
