-- Issue 16: accounts and everything hanging on them moved to the directory
-- database (worker/migrations-directory/0001_directory.sql); a district's
-- database keeps its org units, templates, ledger, tasks and the rest.
-- Dropping the old tables here makes a query sent to the wrong database
-- fail loudly instead of reading an empty table. (audit_log, the unmasked
-- reads of this district's records, stays here.)
DROP TABLE grants;
DROP TABLE sessions;
DROP TABLE login_attempts;
DROP TABLE lookup_refusals;
DROP TABLE account_events;
DROP TABLE ingest_keys;
DROP TABLE users;
