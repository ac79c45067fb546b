-- Issue 16: a person's move between districts (跨区迁移). Each district's
-- ledger lives in its own database, so the request lives here, where both
-- districts' deciders reach it. States (core's ledger::district_transfer):
-- awaiting_receive (B, the destination, agrees to receive: its town centre
-- of the village's town or its 行政专员) → awaiting_release (A, the
-- origin, releases: the town centre of the town holding the record or A's
-- 行政专员) → moving (A's record, unit and version fixed in this row; the
-- steps run, each idempotent by the transfer id) → moved; either side may
-- reject. Holds the ID number the asker typed; the person's record never
-- comes here: step out marks it in A's database, step in copies it from
-- there into B's.
CREATE TABLE district_transfers (
  id             TEXT PRIMARY KEY,              -- the client's request id
  entity         TEXT NOT NULL,
  key            TEXT NOT NULL,                 -- the district-wide key (ID number)
  from_district  TEXT NOT NULL CHECK (length(from_district) = 6),
  to_org_unit    TEXT NOT NULL CHECK (length(to_org_unit) = 12),
  reason         TEXT NOT NULL,
  requested_by   TEXT NOT NULL,
  requested_at   TEXT NOT NULL,
  status         TEXT NOT NULL DEFAULT 'awaiting_receive'
                 CHECK (status IN ('awaiting_receive', 'awaiting_release', 'moving', 'moved', 'rejected')),
  received_by    TEXT,                          -- B's decider: the request reached A
  received_at    TEXT,
  decided_by     TEXT,                          -- who rejected, or A's decider who released
  decided_at     TEXT,
  note           TEXT,
  record_id      TEXT,                          -- A's record, fixed by the release
  from_org_unit  TEXT,
  record_version INTEGER
);
CREATE INDEX district_transfers_into ON district_transfers (to_org_unit, requested_at);
CREATE INDEX district_transfers_from ON district_transfers (from_district, requested_at) WHERE received_by IS NOT NULL;
CREATE UNIQUE INDEX district_transfers_one_open ON district_transfers (entity, key, to_org_unit)
  WHERE status IN ('awaiting_receive', 'awaiting_release', 'moving');
