-- Tasks: a template version dispatched to a village with a due date. The
-- village works its task (opens it, keeps a draft, submits); the town or the
-- department may return a submission for correction.
--
-- status: not_opened → draft (opened or draft saved) → submitted
--         submitted → returned (with a comment) → submitted again.
-- The rules live in core (`ybt_core::tasks`); this table only stores them.

CREATE TABLE tasks (
  id               TEXT PRIMARY KEY,
  dispatch_id      TEXT NOT NULL,            -- the one click that created it
  template_id      TEXT NOT NULL,
  template_version INTEGER NOT NULL,
  org_unit         TEXT NOT NULL REFERENCES org_units (code),
  due_date         TEXT NOT NULL,            -- YYYY-MM-DD
  dispatched_by    TEXT NOT NULL,
  dispatched_at    TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'not_opened'
                   CHECK (status IN ('not_opened', 'draft', 'submitted', 'returned')),
  opened_at        TEXT,                     -- first time the form was generated
  submission_id    TEXT,                     -- the latest submission
  submitted_at     TEXT,
  return_comment   TEXT,
  returned_by      TEXT,
  returned_at      TEXT,
  UNIQUE (dispatch_id, org_unit),
  FOREIGN KEY (template_id, template_version) REFERENCES templates (id, version)
);
CREATE INDEX tasks_by_unit ON tasks (org_unit, status, due_date);
CREATE INDEX tasks_by_dispatch ON tasks (dispatch_id, org_unit);

-- The server copy of a task's draft (the browser keeps its own first and
-- syncs it here). A save names the revision it was based on; a stale save
-- is refused with the current draft, never silently overwritten.
CREATE TABLE drafts (
  task_id  TEXT PRIMARY KEY REFERENCES tasks (id),
  revision INTEGER NOT NULL CHECK (revision >= 1),
  rows     TEXT NOT NULL CHECK (json_valid(rows)),
  saved_at TEXT NOT NULL,
  saved_by TEXT NOT NULL
);

-- Burden metering per submission (the reform's headline: 2 h → 10 min).
ALTER TABLE submissions ADD COLUMN task_id TEXT;
ALTER TABLE submissions ADD COLUMN submitted_by TEXT;
ALTER TABLE submissions ADD COLUMN prefilled_cells INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN typed_cells INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN computed_cells INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN corrected_cells INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN seconds_open INTEGER;  -- from opening to submitting
CREATE INDEX submissions_by_task ON submissions (task_id);
CREATE INDEX submissions_by_unit_time ON submissions (org_unit, submitted_at);
