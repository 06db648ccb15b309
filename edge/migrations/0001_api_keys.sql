-- Partner API keys. Only SHA-256 hashes are stored, never a key: a leaked table cannot be
-- replayed. `lookup` (first 16 hex chars of the hash) is indexed so authentication is one
-- point read; the full hash is then compared in constant time in the Worker.
CREATE TABLE IF NOT EXISTS api_keys (
  id         TEXT PRIMARY KEY,            -- key_<random>; safe to log and show
  tenant     TEXT NOT NULL,               -- every cache entry and quota is scoped to it
  name       TEXT NOT NULL,               -- human label ("acme staging")
  lookup     TEXT NOT NULL UNIQUE,        -- first 16 hex chars of SHA-256(key)
  key_hash   TEXT NOT NULL,               -- full hex SHA-256(key)
  scopes     TEXT NOT NULL,               -- JSON array of scopes, e.g. ["segment","tokens:create"]
  created_at INTEGER NOT NULL,            -- unix ms
  revoked_at INTEGER                      -- unix ms; NULL while active
);

-- `keys list --tenant T` and operators' audits filter by tenant.
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant, created_at);
