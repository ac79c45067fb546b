-- Accounts, grants, sessions, login throttling and the audit log of
-- unmasked reads of sensitive ledger fields.

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('system_admin', 'admin_specialist', 'department_analyst', 'town_coordinator', 'village_staff')),
  org_unit      TEXT NOT NULL REFERENCES org_units (code),
  department    TEXT,
  password_hash TEXT NOT NULL,              -- pbkdf2-sha256$iterations$salt$hash
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL
);

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

-- Failed logins per key (user name, client address) in a fixed window.
CREATE TABLE login_attempts (
  key          TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,            -- Unix seconds
  failures     INTEGER NOT NULL
);

CREATE TABLE audit_log (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  at           TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  username     TEXT NOT NULL,
  action       TEXT NOT NULL,               -- e.g. form, submission
  items        TEXT NOT NULL CHECK (json_valid(items)),       -- ledger items read unmasked
  record_ids   TEXT NOT NULL CHECK (json_valid(record_ids)),  -- which records
  record_count INTEGER NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);
