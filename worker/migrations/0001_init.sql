-- The foundation schema: org hierarchy, ledger records with history,
-- published templates and stored submissions.

CREATE TABLE org_units (
  code        TEXT PRIMARY KEY,            -- GB/T 2260: 6, 9 or 12 digits
  name        TEXT NOT NULL,
  level       TEXT NOT NULL CHECK (level IN ('district', 'town', 'village')),
  parent_code TEXT REFERENCES org_units (code)
);
CREATE INDEX org_units_by_parent ON org_units (parent_code, code);

CREATE TABLE ledger_records (
  id         TEXT PRIMARY KEY,             -- e.g. person:500118100001-00001
  entity     TEXT NOT NULL,                -- record type: person, household, ...
  org_unit   TEXT NOT NULL REFERENCES org_units (code),
  version    INTEGER NOT NULL CHECK (version >= 1),
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  data       TEXT NOT NULL CHECK (json_valid(data))
);
CREATE INDEX ledger_records_by_unit ON ledger_records (org_unit, entity);

-- One row per change of a ledger record, written in the same batch as it.
CREATE TABLE ledger_history (
  record_id  TEXT NOT NULL REFERENCES ledger_records (id),
  version    INTEGER NOT NULL,             -- the version the change produced
  changed_at TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  source     TEXT NOT NULL CHECK (source IN ('visit', 'form', 'import', 'department', 'demo')),
  changes    TEXT NOT NULL CHECK (json_valid(changes)),  -- {field: [old, new]}
  PRIMARY KEY (record_id, version)
);

CREATE TABLE templates (
  id           TEXT NOT NULL,
  version      INTEGER NOT NULL CHECK (version >= 1),
  title        TEXT NOT NULL,
  department   TEXT NOT NULL,
  document     TEXT NOT NULL CHECK (json_valid(document)),
  published_at TEXT NOT NULL,
  PRIMARY KEY (id, version)
);

-- The id is chosen by the client once per form (idempotency key): a retried
-- POST finds its row here instead of storing the form twice.
CREATE TABLE submissions (
  id               TEXT PRIMARY KEY,
  template_id      TEXT NOT NULL,
  template_version INTEGER NOT NULL,
  org_unit         TEXT NOT NULL REFERENCES org_units (code),
  row_count        INTEGER NOT NULL,
  rows             TEXT NOT NULL CHECK (json_valid(rows)),
  submitted_at     TEXT NOT NULL,
  FOREIGN KEY (template_id, template_version) REFERENCES templates (id, version)
);
CREATE INDEX submissions_by_template ON submissions (template_id, org_unit, submitted_at);
