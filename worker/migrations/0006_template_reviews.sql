-- 报表准入: departments file template versions for review; the town
-- coordination centre approves or rejects them. A version becomes a
-- `templates` row only when approved (in the same batch as the decision),
-- so nothing else in the product ever sees a pending or rejected version:
-- forms, dispatches and submissions all name `templates` rows.
--
-- status: pending → approved | rejected (rules in ybt_core::review).
-- A rejected version was never published: the department fixes it and
-- files the same version again (a new request; the rejected one stays as
-- the record of the decision).

CREATE TABLE template_requests (
  id           TEXT PRIMARY KEY,            -- chosen by the client: a retried filing finds its row
  template_id  TEXT NOT NULL,
  version      INTEGER NOT NULL CHECK (version >= 1),
  title        TEXT NOT NULL,
  department   TEXT NOT NULL,
  district     TEXT NOT NULL REFERENCES org_units (code),  -- the department's area, scope of the review
  document     TEXT NOT NULL CHECK (json_valid(document)),
  analysis     TEXT NOT NULL CHECK (json_valid(analysis)),  -- ybt_core::review::ReviewAnalysis
  status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  submitted_by TEXT NOT NULL,
  submitted_at TEXT NOT NULL,
  decided_by   TEXT,
  decided_at   TEXT,
  reason       TEXT
);
-- At most one request per template waits for a decision.
CREATE UNIQUE INDEX template_requests_one_pending ON template_requests (template_id) WHERE status = 'pending';
CREATE INDEX template_requests_by_status ON template_requests (status, submitted_at);
CREATE INDEX template_requests_by_department ON template_requests (department, submitted_at);

-- Dispatch lists and summaries look tasks up by template.
CREATE INDEX tasks_by_template ON tasks (template_id, dispatch_id);
