-- POST /v1/studies with an Idempotency-Key: the first request's study id and body hash per
-- tenant and key, so a retry gets the same study and a different body under the key gets 409.
-- Rows are kept as long as the study's results at most (edge/src/studies/idempotency.ts).
CREATE TABLE IF NOT EXISTS study_idempotency (
  tenant      TEXT NOT NULL,
  key         TEXT NOT NULL,               -- the caller's Idempotency-Key
  study_id    TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,               -- hex SHA-256 of the request body
  created_at  INTEGER NOT NULL,            -- unix ms
  PRIMARY KEY (tenant, key)
);
