-- Issue 13: moving a record between units of the district (迁移申请).
-- Village staff who meet a key registered elsewhere (a refusal that names
-- no one) ask for the record to move into their village; a decider who may
-- read both units (the town centre, or the district's 行政专员 across
-- towns) approves or rejects. The request id is chosen by the client, so a
-- retried request is the same row; one pending request per key and
-- destination.
CREATE TABLE ledger_transfers (
  id            TEXT PRIMARY KEY,
  entity        TEXT NOT NULL,
  key           TEXT NOT NULL,
  to_org_unit   TEXT NOT NULL REFERENCES org_units (code),
  reason        TEXT NOT NULL,
  requested_by  TEXT NOT NULL,
  requested_at  TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  record_id     TEXT,
  from_org_unit TEXT,
  decided_by    TEXT,
  decided_at    TEXT,
  note          TEXT
);
CREATE INDEX ledger_transfers_by_unit ON ledger_transfers (to_org_unit, status);
CREATE UNIQUE INDEX ledger_transfers_one_pending ON ledger_transfers (entity, key, to_org_unit) WHERE status = 'pending';

-- The ledger history gains the source `transfer`. SQLite cannot change a
-- CHECK constraint in place: the table is rebuilt with the same columns and
-- key, rows copied as they are (as migration 0007 did).
CREATE TABLE ledger_history_v17 (
  record_id  TEXT NOT NULL REFERENCES ledger_records (id),
  version    INTEGER NOT NULL,
  changed_at TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  source     TEXT NOT NULL CHECK (source IN ('visit', 'form', 'import', 'department', 'demo', 'survey', 'transfer')),
  changes    TEXT NOT NULL CHECK (json_valid(changes)),
  PRIMARY KEY (record_id, version)
);
INSERT INTO ledger_history_v17 (record_id, version, changed_at, changed_by, source, changes)
  SELECT record_id, version, changed_at, changed_by, source, changes FROM ledger_history;
DROP TABLE ledger_history;
ALTER TABLE ledger_history_v17 RENAME TO ledger_history;
