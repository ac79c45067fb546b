-- Department API keys for the ingest API (POST /api/ingest/{entity}). Only a
-- SHA-256 hash of each key is stored; the key itself is shown once, when it
-- is created.

CREATE TABLE ingest_keys (
  id         TEXT PRIMARY KEY,
  department TEXT NOT NULL,                 -- e.g. 区民政局
  org_unit   TEXT NOT NULL REFERENCES org_units (code),  -- may write here and below
  entities   TEXT NOT NULL CHECK (json_valid(entities)),  -- record types, e.g. ["person"]
  key_hash   TEXT NOT NULL UNIQUE,          -- lowercase hex SHA-256 of the key
  created_at TEXT NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0
);
