/**
 * The OpenAPI 3.1 document of the public API, generated from the same zod schemas the handlers
 * use (zod 4's JSON Schema output), so /openapi.json and /docs cannot drift from the code.
 */
import { z } from 'zod';
import { Problem } from '../../../shared/problem.js';
import { TokenRequest, TokenResponse } from '../auth/upload-token-schemas.js';
import { HealthResponse } from './health-response.js';
import { LungFigures, LungPartFigures } from './lung-figures.js';
import { SegmentQuery } from './segment-query.js';
import { MaskImage, SeriesResult, SliceResult } from './segment-response.js';
import { DestinationView, PutDestinationBody } from '../dicomweb/destination-schemas.js';
import { CreateStudyBody, InstancesAnswer, LungVolume, SeriesLungInvolvement, StudyCreated, StudyView } from '../studies/study-schemas.js';
import { StowResponse } from '../studies/stow-response.js';

/** The prose the docs page puts above its tables of numbers. */
const LUNG_NUMBERS =
  'Every slice gets a lung mask besides the infection mask. For CT DICOM it is made from Hounsfield units: low density is below −400 HU; the body is the large tissue regions with their convex hull, and low-density regions mostly outside that hull are the air around the patient; the lungs are the two largest low-density regions left, split in two where they touch; per lung, holes (vessels) are filled, a 10 mm closing and the chest-wall bays of its convex hull (up to 20 mm deep) put dense lesions at the lung edge back in. For 8-bit images (JPEG, PNG, photos) the same steps run on the gray levels with a threshold from the image (Otsu, clamped to the lung window’s −400 HU), and the answer says `found: false` with a reason when it cannot find two lungs rather than guess. The patient’s left and right come from Image Orientation Patient; images without it have no sides. Infection is counted inside the lung mask (the infection mask itself is not cut to it: that lowered accuracy, since a density-based mask leaves out fully consolidated lung, so the lung figures undercount there), as a share of lung pixels per slice (`lung.infectedShare`) and, for a study series, as volumes in mL (pixels x Pixel Spacing x the slice spacing measured from Image Position Patient) and percentages per lung, with the CT severity score’s 0–5 step per lung. Lobes are not segmented, so there is no lobar 0–25 score. These are measurements on images by a research model, not a diagnosis.';

const LABELS_PARAMETER = {
  name: 'labels',
  in: 'query',
  required: false,
  description: '`infection` (default): the 0/255 mask. `lung,infection`: a label map, 0 background, 1 lung, 2 infection. `lung`: the label map of the lung alone.',
  schema: { type: 'string', enum: ['infection', 'lung', 'lung,infection', 'infection,lung'] },
};

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const binary = { type: 'string', format: 'binary' };

const PROBLEM_STATUSES: Record<string, string> = {
  '400': 'Malformed request or parameters',
  '401': 'Missing, invalid, revoked or expired credential',
  '403': 'Credential lacks the scope, or the upload token has no uploads left',
  '404': 'No such study (or another tenant\'s)',
  '406': 'Accept: image/png asked for more than one slice',
  '409': 'The study is not receiving (committed, finished or expired), or an Idempotency-Key was reused with another body',
  '413': 'Body, image or series too large',
  '415': 'Not PNG, JPEG or DICOM, DICOM in a transfer syntax without a codec (names it), or content type contradicts the bytes',
  '422': 'Damaged or unusable image (truncated, corrupt, no pixel data, not a slice)',
  '429': 'Rate limit exceeded (Retry-After)',
  '503': 'No GPU worker available (Retry-After)',
  '504': 'GPU workers did not answer in time',
};

function problems(codes: string[]): Record<string, unknown> {
  return Object.fromEntries(
    codes.map((code) => [code, { description: PROBLEM_STATUSES[code], content: { 'application/problem+json': { schema: ref('Problem') } } }]),
  );
}

const STOW_DESCRIPTION =
  'Stores the instances of a `multipart/related; type="application/dicom"` body as POST /v1/studies/{id}/instances does (a DICOMweb client such as a PACS registers `/v1/studies/{id}/dicomweb/` as its server, with the bearer key as an HTTP header) and answers the Store Instances Response Module in DICOM JSON: 200 all stored, 202 some failed (Failed SOP Sequence), 409 none stored, each failure with its Failure Reason. Refusals of the whole request are problem+json.';
const STOW_ACCEPT = { name: 'Accept', in: 'header', required: false, description: 'application/dicom+json (default) or application/json; anything else is 406.', schema: { type: 'string' } };
const STOW_BODY = { required: true, content: { 'multipart/related': { schema: binary, description: 'type="application/dicom": one DICOM instance per part.' } } };

function stowResponses(): Record<string, unknown> {
  const answer = (description: string) => ({ description, content: { 'application/dicom+json': { schema: ref('StowResponse') } } });
  return {
    '200': answer('Every instance stored.'),
    '202': answer('Some stored; the others are in the Failed SOP Sequence (0008,1198).'),
    '409': {
      description: 'No instance stored (Failed SOP Sequence in DICOM JSON), or the study is not receiving (problem+json).',
      content: { 'application/dicom+json': { schema: ref('StowResponse') }, 'application/problem+json': { schema: ref('Problem') } },
    },
    ...problems(['400', '401', '403', '404', '413', '429']),
    '406': { description: 'Accept names neither application/dicom+json nor application/json', content: { 'application/problem+json': { schema: ref('Problem') } } },
    '415': { description: 'Not multipart/related, or of a type other than application/dicom (metadata and bulk data parts are not read)', content: { 'application/problem+json': { schema: ref('Problem') } } },
  };
}

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  const entries: [string, z.ZodType][] = [
    ['SliceResult', SliceResult],
    ['MaskImage', MaskImage],
    ['LungFigures', LungFigures],
    ['LungPartFigures', LungPartFigures],
    ['SeriesResult', SeriesResult],
    ['HealthResponse', HealthResponse],
    ['TokenRequest', TokenRequest],
    ['TokenResponse', TokenResponse],
    ['Problem', Problem],
    ['CreateStudy', CreateStudyBody],
    ['StudyCreated', StudyCreated],
    ['InstancesAnswer', InstancesAnswer],
    ['Study', StudyView],
    ['SeriesLungInvolvement', SeriesLungInvolvement],
    ['LungVolume', LungVolume],
    ['StowResponse', StowResponse],
    ['PutDicomwebDestination', PutDestinationBody],
    ['DicomwebDestination', DestinationView],
  ];
  for (const [id, schema] of entries) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io: 'output', uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  for (const schema of Object.values(schemas)) delete schema['$id'];
  return schemas;
}

function queryParameters(): unknown[] {
  const json = z.toJSONSchema(SegmentQuery, { io: 'input' }) as { properties: Record<string, { description?: string } & Record<string, unknown>> };
  return Object.entries(json.properties).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: 'query', required: false, description, schema: rest };
  });
}

/** Builds the document; `serverUrl` is the origin the request came to. */
export function openApiDocument(serverUrl: string, model: { name: string; version: string }, maxSlices: number): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'BSNet COVID-19 lung infection segmentation API',
      version: '1.0.0',
      description: `Segments COVID-19 lung infection in CT slices with ${model.name} ${model.version}. Research preview: not a medical device.`,
      'x-numbers': LUNG_NUMBERS,
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A partner API key (`bsn_live_…`) or an upload token (`bsu_…`) minted with POST /v1/tokens.' },
      },
      schemas: componentSchemas(),
    },
    paths: {
      '/v1/segment': {
        post: {
          operationId: 'segment',
          summary: 'Segment lung infection in one slice or a short series',
          description: `Raw body: one PNG (8/16-bit gray, RGB(A), palette), JPEG (baseline/progressive, EXIF orientation applied) or DICOM (uncompressed, RLE, JPEG, JPEG-LS, JPEG 2000 or HTJ2K; windowed to the lung window unless overridden). multipart/form-data: up to ${maxSlices} \`file\` parts, answered in upload order. Send \`Accept: image/png\` (single slice) for the mask as a PNG. Results are cached per tenant by content (X-Cache: HIT|MISS).`,
          parameters: queryParameters(),
          requestBody: {
            required: true,
            content: {
              'image/png': { schema: binary },
              'image/jpeg': { schema: binary },
              'application/dicom': { schema: binary },
              'multipart/form-data': {
                schema: { type: 'object', properties: { file: { type: 'array', items: binary, maxItems: maxSlices } }, required: ['file'] },
              },
            },
          },
          responses: {
            '200': {
              description: 'The mask and its statistics (a raw body gives one SliceResult, multipart a SeriesResult).',
              headers: { 'X-Cache': { schema: { type: 'string', enum: ['HIT', 'MISS'] } } },
              content: {
                'application/json': { schema: { oneOf: [ref('SliceResult'), ref('SeriesResult')] } },
                'image/png': { schema: binary },
              },
            },
            ...problems(['400', '401', '403', '406', '413', '415', '422', '429', '503', '504']),
          },
        },
      },
      '/v1/studies': {
        post: {
          operationId: 'createStudy',
          summary: 'Create a study: a CT series sent in several calls and segmented asynchronously',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'The same key and body return the same study; another body under the key is 409.', schema: { type: 'string', maxLength: 255 } }],
          requestBody: { required: false, content: { 'application/json': { schema: ref('CreateStudy') } } },
          responses: {
            '201': { description: 'Created; Location names it.', content: { 'application/json': { schema: ref('StudyCreated') } } },
            '200': { description: 'An Idempotency-Key replay: the study it created.', content: { 'application/json': { schema: ref('StudyCreated') } } },
            ...problems(['400', '401', '403', '409', '429']),
          },
        },
      },
      '/v1/studies/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          operationId: 'getStudy',
          summary: 'Status, progress and per-series results (slices in patient order, volumes)',
          responses: { '200': { description: 'The study.', content: { 'application/json': { schema: ref('Study') } } }, ...problems(['401', '403', '404', '429']) },
        },
        delete: {
          operationId: 'deleteStudy',
          summary: 'Delete the study and everything stored for it',
          responses: { '204': { description: 'Gone.' }, ...problems(['401', '403', '404', '429']) },
        },
      },
      '/v1/studies/{id}/instances': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          operationId: 'addStudyInstances',
          summary: 'Add DICOM instances (STOW-RS multipart/related, multipart/form-data, one application/dicom, or a zip)',
          requestBody: {
            required: true,
            content: {
              'multipart/related': { schema: binary },
              'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'array', items: binary } } } },
              'application/dicom': { schema: binary },
              'application/zip': { schema: binary },
            },
          },
          responses: {
            '200': { description: 'Counts, and each rejected part with its index, code and reason.', content: { 'application/json': { schema: ref('InstancesAnswer') } } },
            ...problems(['400', '401', '403', '404', '409', '413', '415', '429']),
          },
        },
      },
      '/v1/studies/{id}/dicomweb/studies': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          operationId: 'stowStudyInstances',
          summary: 'DICOMweb STOW-RS (PS3.18 10.5) into the study: the study\'s DICOMweb root is /v1/studies/{id}/dicomweb/',
          description: STOW_DESCRIPTION,
          parameters: [STOW_ACCEPT],
          requestBody: STOW_BODY,
          responses: stowResponses(),
        },
      },
      '/v1/studies/{id}/dicomweb/studies/{StudyInstanceUID}': {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'StudyInstanceUID', in: 'path', required: true, description: 'Instances of another study are refused with Failure Reason 0xC409.', schema: { type: 'string', pattern: '^[0-9.]{1,64}$' } },
        ],
        post: {
          operationId: 'stowStudyInstancesOfStudy',
          summary: 'DICOMweb STOW-RS into the study, for the instances of one Study Instance UID',
          description: STOW_DESCRIPTION,
          parameters: [STOW_ACCEPT],
          requestBody: STOW_BODY,
          responses: stowResponses(),
        },
      },
      '/v1/studies/{id}/commit': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          operationId: 'commitStudy',
          summary: 'Stop receiving and queue the slices',
          responses: { '202': { description: 'Queued.' }, ...problems(['401', '403', '404', '409', '429']) },
        },
      },
      '/v1/studies/{id}/slices/{sop}/mask': {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'sop', in: 'path', required: true, description: 'SOP Instance UID', schema: { type: 'string' } },
        ],
        get: {
          operationId: 'getStudySliceMask',
          summary: "A processed slice's mask",
          parameters: [LABELS_PARAMETER],
          responses: { '200': { description: 'PNG, the slice size: 0/255, or a label map with ?labels=.', content: { 'image/png': { schema: binary } } }, ...problems(['400', '401', '403', '404', '429']) },
        },
      },
      '/v1/studies/{id}/series/{seriesUid}/seg': {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'seriesUid', in: 'path', required: true, description: 'Series Instance UID of a series of the study', schema: { type: 'string' } },
        ],
        get: {
          operationId: 'getSeriesSegmentation',
          summary: "The series' DICOM Segmentation: infection and lung",
          description:
            'A DICOM SEG (BINARY) of the settled series: segment 1 the infection (SCT 49755003 / DCM 112001 Opacity, the model as the algorithm), segment 2 the lung (SCT 123037004 / SCT 39607008). One frame per slice and segment where it is not empty, each referencing its source instance (and frame of an enhanced CT instance), in the source Frame of Reference, with the source patient and study. The same object on every request (UIDs derived from the study). Carries the patient\'s identity: never cache it outside your PACS.',
          responses: {
            '200': { description: 'DICOM Part 10 file.', content: { 'application/dicom': { schema: binary } } },
            ...problems(['401', '403', '404', '406', '409', '422', '429']),
          },
        },
      },
      '/v1/studies/{id}/series/{seriesUid}/sr': {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'seriesUid', in: 'path', required: true, description: 'Series Instance UID of a series of the study', schema: { type: 'string' } },
        ],
        get: {
          operationId: 'getSeriesReport',
          summary: "The series' DICOM Structured Report (TID 1500): lung and infected volumes, percentage involved, band",
          description:
            'A Comprehensive SR with a TID 1500 Measurement Report: per finding (infection, lung) and per lung side where known a TID 1411 group referencing its segment of the SEG, with the volume in mL and for the infection the percentage of the lung involved and its band (private coding scheme 99BSNET). The figures are those of `results.lung` in GET /v1/studies/{id}. 409 when the series has no lung figures (no pixel or slice spacing).',
          responses: {
            '200': { description: 'DICOM Part 10 file.', content: { 'application/dicom': { schema: binary } } },
            ...problems(['401', '403', '404', '406', '409', '422', '429']),
          },
        },
      },
      '/v1/studies/{id}/slices/{sop}/frames/{frame}/mask': {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'sop', in: 'path', required: true, description: 'SOP Instance UID of a multi-frame (enhanced CT) instance', schema: { type: 'string' } },
          { name: 'frame', in: 'path', required: true, description: 'The frame, from 1 (as in DICOMweb /frames/{n})', schema: { type: 'integer', minimum: 1 } },
        ],
        get: {
          operationId: 'getStudyFrameMask',
          summary: "A processed frame's mask",
          parameters: [LABELS_PARAMETER],
          responses: { '200': { description: 'PNG, the frame size: 0/255, or a label map with ?labels=.', content: { 'image/png': { schema: binary } } }, ...problems(['400', '401', '403', '404', '429']) },
        },
      },
      '/v1/tokens': {
        post: {
          operationId: 'createUploadToken',
          summary: 'Exchange a partner API key for a short-lived upload token for a mobile app',
          requestBody: { required: false, description: 'Empty body: all defaults.', content: { 'application/json': { schema: ref('TokenRequest') } } },
          responses: {
            '201': { description: 'The token (shown once).', content: { 'application/json': { schema: ref('TokenResponse') } } },
            ...problems(['400', '401', '403', '415', '429']),
          },
        },
      },
      '/v1/dicomweb-destination': {
        description:
          "The tenant's DICOMweb destination: when a study completes, its DICOM SEG and SR (per segmented series) are sent there by STOW-RS from the study, retried with backoff, every attempt listed under the study's `export`. Needs an API key with the `tenant:admin` scope. A destination set after a study finished does not export that study.",
        put: {
          operationId: 'putDicomwebDestination',
          summary: 'Set or replace the DICOMweb destination (the password or token is stored encrypted)',
          requestBody: { required: true, content: { 'application/json': { schema: ref('PutDicomwebDestination') } } },
          responses: {
            '201': { description: 'Set; there was none.', content: { 'application/json': { schema: ref('DicomwebDestination') } } },
            '200': { description: 'Replaced.', content: { 'application/json': { schema: ref('DicomwebDestination') } } },
            ...problems(['400', '401', '403', '415', '429']),
          },
        },
        get: {
          operationId: 'getDicomwebDestination',
          summary: 'The DICOMweb destination: URL, auth type and username, never the password or token',
          responses: {
            '200': { description: 'The destination.', content: { 'application/json': { schema: ref('DicomwebDestination') } } },
            '404': { description: 'The tenant has no destination.', content: { 'application/problem+json': { schema: ref('Problem') } } },
            ...problems(['401', '403', '429']),
          },
        },
        delete: {
          operationId: 'deleteDicomwebDestination',
          summary: 'Remove the DICOMweb destination; pending exports stop at their next attempt',
          responses: {
            '204': { description: 'Removed.' },
            '404': { description: 'The tenant has no destination.', content: { 'application/problem+json': { schema: ref('Problem') } } },
            ...problems(['401', '403', '429']),
          },
        },
      },
      '/v1/health': {
        get: {
          operationId: 'health',
          summary: 'Whether the GPU worker pool can serve',
          security: [],
          responses: {
            '200': { description: 'At least one GPU worker is ready.', content: { 'application/json': { schema: ref('HealthResponse') } } },
            '503': { description: 'No GPU worker is ready.', content: { 'application/json': { schema: ref('HealthResponse') } } },
          },
        },
      },
    },
  };
}
