import { describe, expect, it } from 'vitest';
import { EdgeError } from '../http/edge-error.js';
import { relatedParameters } from './multipart-related.js';

describe('relatedParameters', () => {
  it("takes Orthanc's 73-character boundary (two UUIDs), past RFC 2046's 70", () => {
    const boundary = `${crypto.randomUUID()}-${crypto.randomUUID()}`;
    expect(boundary).toHaveLength(73);
    expect(relatedParameters(`multipart/related; type="application/dicom"; boundary=${boundary}`)).toEqual({ boundary, rootType: 'application/dicom' });
  });

  it('refuses a boundary past 200 characters with a 400 naming the Content-Type', () => {
    let error: unknown;
    try {
      relatedParameters(`multipart/related; type="application/dicom"; boundary=${'b'.repeat(201)}`);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EdgeError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_multipart', field: 'content-type' });
  });
});
