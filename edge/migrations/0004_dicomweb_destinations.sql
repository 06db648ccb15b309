-- Per-tenant DICOMweb destination (PUT /v1/dicomweb-destination): where a completed study's
-- DICOM SEG and SR are sent by STOW-RS, and how to authenticate there. The password or token is
-- never stored as is: it is sealed with AES-256-GCM (key DESTINATION_ENCRYPTION_KEY, a random
-- 96-bit IV per write) with the tenant, URL, auth type and username as additional authenticated
-- data, so a row copied to another tenant, or pointed at another URL, does not decrypt
-- (edge/src/dicomweb/credential-cipher.ts, destination-store.ts). One row per tenant.
CREATE TABLE IF NOT EXISTS dicomweb_destinations (
  tenant      TEXT PRIMARY KEY,            -- as in api_keys.tenant
  url         TEXT NOT NULL,               -- the DICOMweb base, e.g. https://pacs.example/dicom-web
  auth_type   TEXT NOT NULL,               -- 'basic' | 'bearer' | 'none'
  username    TEXT,                        -- basic only; not secret, shown by GET
  secret_iv   TEXT,                        -- base64 of the 12-byte IV; NULL for 'none'
  secret_ct   TEXT,                        -- base64 of AES-GCM(password or token) with its tag; NULL for 'none'
  key_id      TEXT,                        -- first 16 hex chars of SHA-256(key): which key sealed it
  created_at  INTEGER NOT NULL,            -- unix ms
  updated_at  INTEGER NOT NULL             -- unix ms of the latest PUT
);
