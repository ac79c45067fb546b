-- Issue 8: new records queued by a survey's close join the ledger only after
-- a town coordinator accepts them (or are rejected with a reason). The
-- decision is kept on the queue row; an accepted row names the record it
-- became (`<entity>:<submission id>.<client id>`, derived, so a retried
-- accept cannot make a second record).
ALTER TABLE ledger_review_queue ADD COLUMN record_id TEXT;
ALTER TABLE ledger_review_queue ADD COLUMN decided_by TEXT;
ALTER TABLE ledger_review_queue ADD COLUMN decided_at TEXT;
ALTER TABLE ledger_review_queue ADD COLUMN reason TEXT;
