-- Issue 20: an import is committed as the plan its preview showed. The plan
-- id is a digest of the request and of what the plan read (every matched
-- record's version) and will write (ybt_core::import::ImportPlan::id); a
-- commit re-plans and goes ahead only if it gets the same id. The row is
-- written in the commit's last D1 batch, so a retry of a committed plan
-- finds it and answers what the commit answered, writing nothing again.

CREATE TABLE import_plans (
  plan_id      TEXT NOT NULL,
  created_by   TEXT NOT NULL,                             -- users.id of the committer
  org_unit     TEXT NOT NULL,
  entity       TEXT NOT NULL,
  committed_at TEXT NOT NULL,
  answer       TEXT NOT NULL CHECK (json_valid(answer)),  -- the commit's ImportAnswer
  PRIMARY KEY (plan_id, created_by)
);
