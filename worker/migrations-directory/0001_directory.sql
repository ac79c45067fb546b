-- Issue 16: the directory database, one per deployment, beside one D1
-- database per district (worker/migrations/). It holds what spans
-- districts: the district → binding map, accounts and what hangs on them
-- (grants, sessions, login throttling, refused-lookup counts, account
-- events) and the departments' ingest keys. A request authenticates here,
-- then the worker routes it to its district's database (worker/src/store/).
-- City-level templates and their dispatch would live here too.
--
-- The tables below are those of district migrations 0002, 0003, 0009 and
-- 0012 as they stand after them, without the references to org_units
-- (which live in each district's database); 0018 drops them there.

-- Every district this deployment serves: its GB/T 2260 code, name and
-- the binding of its D1 database in wrangler.toml (e.g. DB_500118).
CREATE TABLE districts (
  code    TEXT PRIMARY KEY CHECK (length(code) = 6),
  name    TEXT NOT NULL,
  binding TEXT NOT NULL UNIQUE
);

CREATE TABLE users (
  id                   TEXT PRIMARY KEY,
  username             TEXT NOT NULL UNIQUE,
  display_name         TEXT NOT NULL,
  role                 TEXT NOT NULL CHECK (role IN ('system_admin', 'admin_specialist', 'department_analyst', 'town_coordinator', 'village_staff')),
  org_unit             TEXT NOT NULL,       -- its first 6 digits: the user's district
  department           TEXT,
  password_hash        TEXT NOT NULL,       -- pbkdf2-sha256$iterations$salt$hash
  disabled             INTEGER NOT NULL DEFAULT 0,
  created_at           TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_by_district ON users (substr(org_unit, 1, 6), username);

-- Ledger items (e.g. person.id_number) a user may read unmasked.
CREATE TABLE grants (
  user_id    TEXT NOT NULL REFERENCES users (id),
  item       TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  granted_at TEXT NOT NULL,
  PRIMARY KEY (user_id, item)
);

-- A session lives while its row does: logout deletes it.
CREATE TABLE sessions (
  id         TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id),
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL               -- Unix seconds
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed logins per key (user name, client address) in a fixed window,
-- with a lockout doubled per earlier lockout.
CREATE TABLE login_attempts (
  key          TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,            -- Unix seconds
  failures     INTEGER NOT NULL,
  strikes      INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0
);

-- Refused lookups of district-wide keys, per user and UTC day.
CREATE TABLE lookup_refusals (
  user_id TEXT NOT NULL,
  day     TEXT NOT NULL,                    -- YYYY-MM-DD, UTC
  refused INTEGER NOT NULL,
  PRIMARY KEY (user_id, day)
);

-- What was done to accounts, by whom. Never holds a password.
CREATE TABLE account_events (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at        TEXT NOT NULL,
  actor_id  TEXT NOT NULL,
  target_id TEXT NOT NULL,
  kind      TEXT NOT NULL CHECK (kind IN ('created', 'disabled', 'enabled', 'password_reset', 'password_changed', 'grants_changed')),
  added     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(added)),
  removed   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(removed))
);
CREATE INDEX account_events_by_target ON account_events (target_id, id);

-- Department API keys for the ingest API; only a SHA-256 hash of each key.
-- A key's org_unit routes its pushes to that unit's district.
CREATE TABLE ingest_keys (
  id         TEXT PRIMARY KEY,
  department TEXT NOT NULL,                 -- e.g. 区民政局
  org_unit   TEXT NOT NULL,                 -- may write here and below
  entities   TEXT NOT NULL CHECK (json_valid(entities)),
  key_hash   TEXT NOT NULL UNIQUE,          -- lowercase hex SHA-256 of the key
  created_at TEXT NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0
);
