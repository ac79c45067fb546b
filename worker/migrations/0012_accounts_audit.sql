-- Issue 20: accounts, grants and the audit log as daily work.
--
-- An administrator's password reset makes the user choose a new password
-- before anything else works.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- Each unmasked read is classed by core (`access::classify_read`):
-- routine reads of one's own area, reads under a grant, reads across
-- areas; with the org units of the records read (for the village column).
ALTER TABLE audit_log ADD COLUMN class TEXT NOT NULL DEFAULT 'routine'
  CHECK (class IN ('routine', 'granted', 'cross_area'));
ALTER TABLE audit_log ADD COLUMN org_units TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(org_units));
-- Entries written before this migration, classed by the same rule as far
-- as they tell it: district roles read sensitive values only under a
-- grant; a refused key was another unit's.
UPDATE audit_log SET class = 'granted'
  WHERE user_id IN (SELECT id FROM users WHERE role NOT IN ('village_staff', 'town_coordinator'));
UPDATE audit_log SET class = 'cross_area' WHERE action = 'key_refused';
CREATE INDEX audit_log_by_class ON audit_log (class, id);
CREATE INDEX audit_log_by_user ON audit_log (user_id, id);

-- What was done to accounts, by whom: creation, disabling, re-enabling,
-- password resets and changes, grants added and removed. Written in the
-- same batch as the change itself. Never holds a password.
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
