-- Issue 16: a record that moved to another district (跨区迁移) stays in
-- this district's database, with its history, marked by the transfer that
-- moved it (the directory's district_transfers.id). Only live records
-- (moved_out IS NULL) are listed, looked up by key, pre-filled, searched or
-- updated: worker/src/store/ledger.rs, mod.rs and surveys.rs filter on it;
-- a record read by id (its page, its history) is still found.
ALTER TABLE ledger_records ADD COLUMN moved_out TEXT;
