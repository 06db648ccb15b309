/**
 * A tenant's DICOMweb destination as zod schemas: what PUT /v1/dicomweb-destination takes, and
 * what GET and PUT answer (the auth type and username, never the password or token). The route's
 * parsing, the store and /openapi.json follow from these.
 */
import { z } from 'zod';

/** No control characters: they would break the header they end up in (RFC 9110 §5.5). */
const headerSafe = (what: string, max: number) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} chars`)
    .regex(/^[^\p{Cc}]*$/u, `${what} must not contain control characters`);

export const DestinationAuth = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('basic'),
        // RFC 7617 §2: the user-id cannot contain a colon, the password may.
        username: headerSafe('username', 256).regex(/^[^:]*$/, 'username must not contain a colon (RFC 7617)'),
        password: headerSafe('password', 1024),
      })
      .strict(),
    z.object({ type: z.literal('bearer'), token: headerSafe('token', 4096) }).strict(),
    z.object({ type: z.literal('none') }).strict(),
  ])
  .meta({ description: 'How the edge authenticates to the destination. Stored encrypted (AES-256-GCM); never answered back.' });
export type DestinationAuth = z.infer<typeof DestinationAuth>;

export const AuthType = z.enum(['basic', 'bearer', 'none']);
export type AuthType = z.infer<typeof AuthType>;

export const PutDestinationBody = z
  .object({
    url: z
      .string()
      .max(2048)
      .meta({ description: 'The DICOMweb base URL (STOW-RS goes to `{url}/studies/{StudyInstanceUID}`), e.g. https://pacs.example/dicom-web. https, a public host, no credentials, query or fragment.' }),
    auth: DestinationAuth,
  })
  .strict()
  .meta({ id: 'PutDicomwebDestination' });
export type PutDestinationBody = z.infer<typeof PutDestinationBody>;

export const DestinationView = z
  .object({
    url: z.string(),
    auth: z.object({ type: AuthType, username: z.string().optional().meta({ description: 'For basic auth.' }) }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'DicomwebDestination', description: "The tenant's DICOMweb destination; the password or token is never shown." });
export type DestinationView = z.infer<typeof DestinationView>;
