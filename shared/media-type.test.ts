import { describe, expect, it } from 'vitest';
import { mediaType } from './media-type.js';

describe('mediaType', () => {
  it('drops parameters, trims and lower-cases; a missing header is empty', () => {
    expect(mediaType('Multipart/Form-Data; boundary=----x')).toBe('multipart/form-data');
    expect(mediaType('  image/PNG ')).toBe('image/png');
    expect(mediaType('application/vnd.bsnet.infer-request.v1;charset=binary')).toBe('application/vnd.bsnet.infer-request.v1');
    expect(mediaType(null)).toBe('');
    expect(mediaType(undefined)).toBe('');
    expect(mediaType(';x=1')).toBe('');
  });
});
