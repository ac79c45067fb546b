-- Issue 8: emergency surveys (应急摸排). A survey is one dispatch of a
-- `pick` template to every village of a town or the district, started in one
-- click on the fast track (no review by the town centre; the reason is
-- logged here). Its tasks are ordinary `tasks` rows sharing the dispatch id.

CREATE TABLE surveys (
  dispatch_id      TEXT PRIMARY KEY,           -- chosen by the client: starting twice creates nothing new
  template_id      TEXT NOT NULL,
  template_version INTEGER NOT NULL,
  scope            TEXT NOT NULL REFERENCES org_units (code),
  due_date         TEXT NOT NULL,
  started_by       TEXT NOT NULL,
  started_at       TEXT NOT NULL,
  fast_track       TEXT NOT NULL,              -- why the review step was skipped (logged, never empty)
  closed_at        TEXT,                       -- set once the close has written everything
  closed_by        TEXT,
  FOREIGN KEY (template_id, template_version) REFERENCES templates (id, version)
);
CREATE INDEX surveys_by_scope ON surveys (scope, started_at);

-- Photos are stored in R2 under `photos/<sha256>`; this row says who
-- uploaded them for which village (the reading rule). Keyed by the hash: an
-- upload of the same bytes again changes nothing.
CREATE TABLE photos (
  hash         TEXT PRIMARY KEY CHECK (length(hash) = 64),
  bytes        INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  org_unit     TEXT NOT NULL REFERENCES org_units (code),
  uploaded_by  TEXT NOT NULL,
  uploaded_at  TEXT NOT NULL
);

-- Rows about something not in the ledger (a house nobody registered) join
-- the ledger only after review; closing a survey queues them here.
CREATE TABLE ledger_review_queue (
  submission_id TEXT NOT NULL REFERENCES submissions (id),
  subject_id    TEXT NOT NULL,                 -- new:<client id>
  dispatch_id   TEXT NOT NULL,
  org_unit      TEXT NOT NULL REFERENCES org_units (code),
  entity        TEXT NOT NULL,
  row_values    TEXT NOT NULL CHECK (json_valid(row_values)),
  status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
  queued_at     TEXT NOT NULL,
  PRIMARY KEY (submission_id, subject_id)
);
CREATE INDEX ledger_review_queue_by_unit ON ledger_review_queue (org_unit, status);

-- The ledger history gains the source `survey` (a survey's close writes a
-- disaster record). SQLite cannot change a CHECK constraint in place: the
-- table is rebuilt with the same columns and key, rows copied as they are.
CREATE TABLE ledger_history_v7 (
  record_id  TEXT NOT NULL REFERENCES ledger_records (id),
  version    INTEGER NOT NULL,
  changed_at TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  source     TEXT NOT NULL CHECK (source IN ('visit', 'form', 'import', 'department', 'demo', 'survey')),
  changes    TEXT NOT NULL CHECK (json_valid(changes)),
  PRIMARY KEY (record_id, version)
);
INSERT INTO ledger_history_v7 (record_id, version, changed_at, changed_by, source, changes)
  SELECT record_id, version, changed_at, changed_by, source, changes FROM ledger_history;
DROP TABLE ledger_history;
ALTER TABLE ledger_history_v7 RENAME TO ledger_history;
