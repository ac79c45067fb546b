-- Issue 5: district-wide natural keys. A person's ID number and an
-- enterprise's credit code identify one record in the whole district, so an
-- import into one village looks them up in every village (a person already
-- registered elsewhere is refused, not registered twice). These expression
-- indexes serve exactly the lookups in worker/src/store/ledger.rs
-- (`records_with_keys`); the expressions must stay identical to the queries'.
CREATE INDEX ledger_records_by_id_number ON ledger_records (entity, json_extract(data, '$.id_number'));
CREATE INDEX ledger_records_by_credit_code ON ledger_records (entity, json_extract(data, '$.credit_code'));

-- The unit fetch (pre-fill, lists, exports): `entity = ? AND org_unit` in a
-- range, in (org_unit, id) order straight from the index, without sorting
-- the rows (which carry ~400 bytes of JSON each) in a temporary B-tree.
CREATE INDEX ledger_records_by_entity_unit ON ledger_records (entity, org_unit, id);
DROP INDEX ledger_records_by_unit;
