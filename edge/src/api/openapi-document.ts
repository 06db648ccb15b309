/**
 * The OpenAPI 3.1 document of the public API, generated from the same zod schemas the handlers
 * use (zod 4's JSON Schema output), so /openapi.json and /docs cannot drift from the code.
 */
import { z } from 'zod';
import { Problem } from '../../../shared/problem.js';
import { TokenRequest, TokenResponse } from '../auth/upload-token-schemas.js';
import { HealthResponse } from './health-response.js';
import { SegmentQuery } from './segment-query.js';
import { MaskImage, SeriesResult, SliceResult } from './segment-response.js';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const binary = { type: 'string', format: 'binary' };

const PROBLEM_STATUSES: Record<string, string> = {
  '400': 'Malformed request or parameters',
  '401': 'Missing, invalid, revoked or expired credential',
  '403': 'Credential lacks the scope, or the upload token has no uploads left',
  '406': 'Accept: image/png asked for more than one slice',
  '413': 'Body, image or series too large',
  '415': 'Not PNG, JPEG or uncompressed DICOM (names the transfer syntax), or content type contradicts the bytes',
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

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  const entries: [string, z.ZodType][] = [
    ['SliceResult', SliceResult],
    ['MaskImage', MaskImage],
    ['SeriesResult', SeriesResult],
    ['HealthResponse', HealthResponse],
    ['TokenRequest', TokenRequest],
    ['TokenResponse', TokenResponse],
    ['Problem', Problem],
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
          description: `Raw body: one PNG (8/16-bit gray, RGB(A), palette), JPEG (baseline/progressive, EXIF orientation applied) or uncompressed DICOM (windowed to the lung window unless overridden). multipart/form-data: up to ${maxSlices} \`file\` parts, answered in upload order. Send \`Accept: image/png\` (single slice) for the mask as a PNG. Results are cached per tenant by content (X-Cache: HIT|MISS).`,
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
