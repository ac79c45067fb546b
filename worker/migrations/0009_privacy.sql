-- Issue 13, privacy that holds.
--
-- Login throttling per user name and client address with a growing
-- lockout: a key that exceeds its limit is locked until `locked_until`
-- (Unix seconds) for a base period doubled per earlier lockout (`strikes`).
ALTER TABLE login_attempts ADD COLUMN strikes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE login_attempts ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;

-- Refused lookups of district-wide keys (a key registered in a unit the
-- user may not see), per user and UTC day: previews and commits alike.
CREATE TABLE lookup_refusals (
  user_id TEXT NOT NULL,
  day     TEXT NOT NULL,                    -- YYYY-MM-DD, UTC
  refused INTEGER NOT NULL,
  PRIMARY KEY (user_id, day)
);
