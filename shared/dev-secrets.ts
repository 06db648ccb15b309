/**
 * Secrets the local stack uses when none are configured, so `npm start` works with nothing set.
 * Both services refuse to start in production without real ones (see their config modules).
 */

/** HMAC key for edge → GPU worker calls outside production. */
export const DEV_HMAC_SECRET = 'bsnet-local-development-secret-not-for-production';

/** HMAC key for upload tokens minted by the edge outside production. */
export const DEV_TOKEN_SIGNING_SECRET = 'bsnet-local-upload-token-secret-not-for-production';
