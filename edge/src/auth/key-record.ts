/**
 * What an API key is, as zod schemas: the inputs the store accepts (tenant, name, scopes) and
 * the record it hands back. Records never carry the key or its hash; the row shape that does
 * stays inside key-store.ts.
 */
import { z } from 'zod';
import { SCOPES } from '../http/edge-env.js';

/** A tenant: lowercase, starts alphanumeric, at most 63 chars (fits a DNS label and a DO name). */
export const Tenant = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'tenant must be 1-63 chars of a-z, 0-9, _ or -, starting with a letter or digit')
  .meta({ description: 'Tenant every cache entry and quota is scoped to.' });

/** A human label for the key ("acme staging"); printable, so listings stay readable. */
export const KeyName = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 chars')
  .regex(/^[^\p{Cc}]*$/u, 'name must not contain control characters');

/** What a key may do: at least one scope, each known, no repeats. */
export const KeyScopes = z
  .array(z.enum(SCOPES))
  .min(1, 'a key needs at least one scope')
  .transform((scopes) => [...new Set(scopes)]);

/** Input of `createKey`. */
export const NewKey = z.object({ tenant: Tenant, name: KeyName, scopes: KeyScopes });
export type NewKey = z.input<typeof NewKey>;

/** A stored key as callers see it: no key, no hash. Times are unix ms. */
export const KeyRecord = z.object({
  id: z.string().regex(/^key_[A-Za-z0-9_-]+$/),
  tenant: Tenant,
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  createdAt: z.number().int(),
  revokedAt: z.number().int().nullable(),
});
export type KeyRecord = z.infer<typeof KeyRecord>;
