/**
 * Secrets the local stack uses when none are configured, so `npm start` works with nothing set.
 * They are public (they are right here), so only exactly `development` may use them: the edge's
 * ENVIRONMENT and the GPU worker's NODE_ENV (unset counts as development there). Any other value,
 * production, staging or a typo, refuses to start without real ones (see their config modules).
 */

/** The one environment name (edge ENVIRONMENT, GPU worker NODE_ENV) that may use these secrets. */
export const DEVELOPMENT = 'development';

/** HMAC key for edge → GPU worker calls in development only. */
export const DEV_HMAC_SECRET = 'bsnet-local-development-secret-not-for-production';

/** HMAC key for upload tokens minted by the edge in development only. */
export const DEV_TOKEN_SIGNING_SECRET = 'bsnet-local-upload-token-secret-not-for-production';

/**
 * AES-256-GCM key for tenants' DICOMweb destination credentials in development only: 32 bytes
 * (the ASCII of 'bsnet-dev-destination-key-public') as base64, the form the secret takes.
 */
export const DEV_DESTINATION_ENCRYPTION_KEY = 'YnNuZXQtZGV2LWRlc3RpbmF0aW9uLWtleS1wdWJsaWM=';
