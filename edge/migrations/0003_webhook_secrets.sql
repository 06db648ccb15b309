-- Per-tenant signing secrets for study webhooks (Standard Webhooks, `whsec_<base64>`). Unlike
-- api_keys, the secret is stored as is, not hashed: the Worker must read it to compute each
-- delivery's HMAC. D1 is encrypted at rest by Cloudflare; beyond that, the table is guarded
-- like any other: only the Worker's DB binding and `npm run keys -- --remote` reach it.
-- One row per tenant: `keys webhook-secret create` replaces it (rotation takes effect on the
-- next delivery).
CREATE TABLE IF NOT EXISTS webhook_secrets (
  tenant     TEXT PRIMARY KEY,            -- as in api_keys.tenant
  secret     TEXT NOT NULL,               -- whsec_<base64 of 32 random bytes>
  created_at INTEGER NOT NULL             -- unix ms of the latest rotation
);
