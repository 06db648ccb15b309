/**
 * Wire schemas of upload tokens: the body and answer of `POST /v1/tokens` (with OpenAPI ids
 * and descriptions for z.toJSONSchema), and the signed payload inside a token.
 */
import { z } from 'zod';
import { Tenant } from './key-record.js';

/** Longest lifetime a token may ask for: short, because a browser holds it. */
export const MAX_TOKEN_MINUTES = 60;
/** Most slices one token may upload. */
export const MAX_TOKEN_UPLOADS = 1000;

/** Body of `POST /v1/tokens`; every field has a default, so `{}` is a valid request. */
export const TokenRequest = z
  .strictObject({
    expiresInMinutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_TOKEN_MINUTES)
      .default(15)
      .meta({ description: 'Lifetime of the token in minutes.', examples: [15] }),
    maxUploads: z
      .number()
      .int()
      .min(1)
      .max(MAX_TOKEN_UPLOADS)
      .default(10)
      .meta({ description: 'Most CT slices the token may upload, counted across all its requests.', examples: [10] }),
  })
  .meta({
    id: 'TokenRequest',
    description: 'Asks for a short-lived upload token that a browser can use to call POST /v1/segment.',
  });
export type TokenRequest = z.output<typeof TokenRequest>;

/** Answer of `POST /v1/tokens` (201). */
export const TokenResponse = z
  .object({
    token: z
      .string()
      .regex(/^bsu_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
      .meta({ description: 'Bearer credential for the browser. Shown once; not stored by the API.' }),
    tokenId: z
      .string()
      .regex(/^tok_[A-Za-z0-9_-]+$/)
      .meta({ description: 'Public id of the token, safe to log; names its quota.' }),
    expiresAt: z.iso.datetime().meta({ description: 'When the token stops working (UTC).' }),
    maxUploads: z.number().int().min(1).max(MAX_TOKEN_UPLOADS).meta({ description: 'Most slices it may upload.' }),
    scopes: z.array(z.literal('segment')).meta({ description: 'What it may do: upload tokens only ever segment.' }),
  })
  .meta({ id: 'TokenResponse', description: 'A freshly minted upload token.' });
export type TokenResponse = z.infer<typeof TokenResponse>;

/** The signed JSON inside a token. Short names keep the token short enough for a header. */
export const TokenPayload = z.strictObject({
  /** Format version: a future format gets a new number, never a reinterpretation. */
  v: z.literal(1),
  jti: z.string().regex(/^tok_[A-Za-z0-9_-]{8,64}$/),
  ten: Tenant,
  kid: z.string().regex(/^key_[A-Za-z0-9_-]{1,64}$/),
  scp: z.array(z.literal('segment')).length(1),
  /** Expiry, unix seconds (as JWT's `exp`). */
  exp: z.number().int().positive(),
  max: z.number().int().min(1).max(MAX_TOKEN_UPLOADS),
});
export type TokenPayload = z.infer<typeof TokenPayload>;
