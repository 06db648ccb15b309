/**
 * The one parser of POST /v1/segment's query: its answers, and its refusals, each naming the
 * parameter (EdgeError 400 invalid_parameter with `field`).
 */
import { describe, expect, it } from 'vitest';
import { EdgeError } from '../http/edge-error.js';
import type { WindowParamField } from '../imaging/window.js';
import { maskOutputOf, parseLabelsParam, parseSegmentQuery } from './segment-query.js';

const parse = (query: string) => parseSegmentQuery(new URLSearchParams(query)).window;

function expectParamError(query: string, field: WindowParamField | 'probability' | 'frame' | 'labels', message: RegExp): void {
  let caught: unknown;
  try {
    parseSegmentQuery(new URLSearchParams(query));
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(EdgeError);
  expect(caught).toMatchObject({ status: 400, code: 'invalid_parameter', field });
  expect((caught as EdgeError).message).toMatch(message);
}

describe('parseSegmentQuery: probability', () => {
  it('defaults to the mask, reads the four spellings, refuses others', () => {
    expect(parseSegmentQuery(new URLSearchParams('')).probability).toBe(false);
    for (const [v, want] of [['1', true], ['true', true], ['0', false], ['false', false]] as const) {
      expect(parseSegmentQuery(new URLSearchParams(`probability=${v}`)).probability).toBe(want);
    }
    expectParamError('probability=yes', 'probability', /^query parameter probability: /);
    expectParamError('probability=1&probability=0', 'probability', /given 2 times/);
  });
  it('ignores parameters it does not know', () => {
    expect(parseSegmentQuery(new URLSearchParams('cachebust=123&x=1&x=2'))).toEqual({ probability: false, labels: 'infection', frame: 1, frameGiven: false, window: { kind: 'lung' } });
  });
});

describe('parseSegmentQuery: labels', () => {
  it('reads infection, lung and both in any order, into the PNG the answer holds', () => {
    const of = (q: string) => maskOutputOf(parseSegmentQuery(new URLSearchParams(q)));
    expect(of('')).toBe('mask');
    expect(of('probability=1')).toBe('probability');
    expect(of('labels=infection')).toBe('mask');
    expect(of('labels=lung')).toBe('lung');
    expect(of('labels=lung,infection')).toBe('lung+infection');
    expect(of('labels=infection,lung')).toBe('lung+infection');
    expect(of('labels=lung,lung')).toBe('lung');
  });
  it('refuses other labels, an empty one, and the lung with the probability map', () => {
    for (const bad of ['heart', 'lung,', ',lung', 'Lung', '']) expectParamError(`labels=${bad}`, 'labels', /must be infection, lung, or lung,infection/);
    expectParamError('labels=lung,infection&probability=1', 'labels', /cannot also be the probability map/);
    // The infection mask is what probability replaces: no conflict.
    expect(parseSegmentQuery(new URLSearchParams('labels=infection&probability=1')).probability).toBe(true);
  });
});

describe('parseLabelsParam (a study mask URL)', () => {
  it('reads the same values, defaults to infection, and names labels in its 400s', () => {
    expect(parseLabelsParam(new URLSearchParams(''))).toBe('infection');
    expect(parseLabelsParam(new URLSearchParams('labels=infection,lung'))).toBe('lung+infection');
    expect(parseLabelsParam(new URLSearchParams('labels=lung'))).toBe('lung');
    for (const q of ['labels=heart', 'labels=lung&labels=lung']) {
      try {
        parseLabelsParam(new URLSearchParams(q));
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(EdgeError);
        expect(err).toMatchObject({ status: 400, code: 'invalid_parameter', field: 'labels' });
      }
    }
  });
});

describe('parseSegmentQuery: frame', () => {
  it('defaults to frame 1, reads DICOM frame numbers, refuses 0, signs, fractions and words', () => {
    expect(parseSegmentQuery(new URLSearchParams('')).frame).toBe(1);
    expect(parseSegmentQuery(new URLSearchParams('frame=3')).frame).toBe(3);
    expect(parseSegmentQuery(new URLSearchParams('frame=99999')).frame).toBe(99999);
    expect(parseSegmentQuery(new URLSearchParams('frame=all'))).toMatchObject({ frame: 'all', frameGiven: true });
    for (const bad of ['0', '-1', '1.5', '01', 'two', '', '100000', 'ALL']) {
      expectParamError(`frame=${bad}`, 'frame', /^query parameter frame: must be a frame number from 1, or all/);
    }
    expectParamError('frame=1&frame=2', 'frame', /given 2 times/);
  });
});

describe('parseSegmentQuery: the window', () => {
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
  // Regression: the route's query schema allowed only lung|file and answered 400 to this.
  it('takes window=custom with both numbers, as the docs describe it', () => {
    expect(parse('window=custom&windowCenter=-600&windowWidth=1500')).toEqual({ kind: 'custom', center: -600, width: 1500 });
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
    expectParamError('windowCenter=40', 'windowWidth', /^windowCenter is given without windowWidth; give both$/);
    expectParamError('windowWidth=400', 'windowCenter', /without windowCenter/);
    expectParamError('window=custom', 'windowCenter', /^window=custom needs windowCenter and windowWidth$/);
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
