import { describe, expect, it } from 'vitest';
import { acceptsStowResponse, failureReason, FailureReason, StowResponse, stowResponse } from './stow-response.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';

describe('stowResponse', () => {
  it('answers 200 with every stored instance referenced and no Failed SOP Sequence when all were stored', () => {
    const { status, body } = stowResponse({ stored: [{ sopInstanceUID: '1.2.3.1', sopClassUID: CT }, { sopInstanceUID: '1.2.3.2', sopClassUID: CT }], rejected: [] });
    expect(status).toBe(200);
    expect(body).toEqual({
      '00081190': { vr: 'UR' },
      '00081199': {
        vr: 'SQ',
        Value: [
          { '00081150': { vr: 'UI', Value: [CT] }, '00081155': { vr: 'UI', Value: ['1.2.3.1'] }, '00081190': { vr: 'UR' } },
          { '00081150': { vr: 'UI', Value: [CT] }, '00081155': { vr: 'UI', Value: ['1.2.3.2'] }, '00081190': { vr: 'UR' } },
        ],
      },
    });
    expect(StowResponse.parse(body)).toEqual(body);
  });

  it('answers 202 with a Failure Reason per refused part, and the UIDs only where the header gave them', () => {
    const { status, body } = stowResponse({
      stored: [{ sopInstanceUID: '1.2.3.1', sopClassUID: CT }],
      rejected: [
        { code: 'unsupported_media_type' },
        { code: 'duplicate_instance', sopInstanceUID: '1.2.3.1', sopClassUID: CT },
      ],
    });
    expect(status).toBe(202);
    expect(body['00081198']).toEqual({
      vr: 'SQ',
      Value: [
        { '00081197': { vr: 'US', Value: [0xc000] } },
        { '00081150': { vr: 'UI', Value: [CT] }, '00081155': { vr: 'UI', Value: ['1.2.3.1'] }, '00081197': { vr: 'US', Value: [0x0111] } },
      ],
    });
    expect(body['00081199']?.Value).toHaveLength(1);
    expect(StowResponse.parse(body)).toEqual(body);
  });

  it('answers 409 with no Referenced SOP Sequence when nothing was stored', () => {
    const { status, body } = stowResponse({ stored: [], rejected: [{ code: 'study_uid_mismatch', sopInstanceUID: '1.2.3.9' }] });
    expect(status).toBe(409);
    expect(body).toEqual({ '00081190': { vr: 'UR' }, '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3.9'] }, '00081197': { vr: 'US', Value: [0xc409] } }] } });
  });
});

describe('failureReason', () => {
  it('gives the PS3.18 Table I.2-2 codes for what they name', () => {
    expect(failureReason('unsupported_transfer_syntax')).toBe(0xc122);
    expect(failureReason('image_truncated')).toBe(0xc000);
    expect(failureReason('unsupported_part_type')).toBe(0xc000);
    expect(failureReason('no_pixel_data')).toBe(0x0122);
    expect(failureReason('image_too_large')).toBe(0xa700);
    expect(failureReason('too_many_frames')).toBe(0xa700);
    expect(failureReason('no_sop_instance_uid')).toBe(0xa900);
  });

  it('gives duplicates 0111 and another study C409, from the request URL or from the study itself', () => {
    expect(failureReason('duplicate_instance')).toBe(FailureReason.DuplicateSOPInstance);
    expect(failureReason('study_uid_mismatch')).toBe(0xc409);
    expect(failureReason('wrong_study')).toBe(0xc409);
  });

  it('falls back to 0110 processing failure for a code it does not know, including inherited names', () => {
    expect(failureReason('something_new')).toBe(0x0110);
    expect(failureReason('toString')).toBe(0x0110);
  });
});

describe('acceptsStowResponse', () => {
  it('takes no Accept, DICOM JSON, JSON and wildcards', () => {
    for (const accept of [undefined, null, '', 'application/dicom+json', 'application/json', '*/*', 'application/*', 'Application/DICOM+JSON; charset=utf-8', 'application/dicom+xml, application/dicom+json;q=0.5']) {
      expect(acceptsStowResponse(accept), String(accept)).toBe(true);
    }
  });

  it('refuses what it cannot produce, and a q of 0', () => {
    for (const accept of ['application/dicom+xml', 'text/html', 'multipart/related; type="application/dicom+xml"', 'application/dicom+json;q=0', 'image/*']) {
      expect(acceptsStowResponse(accept), accept).toBe(false);
    }
  });
});
