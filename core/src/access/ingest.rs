//! Department API keys: what a department's own system may push through the
//! ingest API. A key names its department, the org unit it may write in
//! (every unit inside it too) and the record types it may write.

use serde::{Deserialize, Serialize};

use super::{Decision, DenyReason, in_scope};

/// A department's ingest key as stored (the key itself is kept only as a
/// SHA-256 hash; this is what it grants).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestKey {
    pub id: String,
    pub department: String,
    /// GB/T 2260 code of the unit the key may write in, and every unit inside it.
    pub org_unit: String,
    /// Record types the key may write, e.g. `person`.
    pub entities: Vec<String>,
}

/// Whether `key` may push records of `entity` into `org_unit`: a record
/// type the department does not own is another department's data; a unit
/// outside the key's is out of scope.
pub fn authorize_ingest(key: &IngestKey, org_unit: &str, entity: &str) -> Decision {
    if !key.entities.iter().any(|e| e == entity) {
        return Decision::Deny(DenyReason::OtherDepartment);
    }
    if !in_scope(&key.org_unit, org_unit) {
        return Decision::Deny(DenyReason::OutOfScope);
    }
    Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingest_matrix() {
        let key = IngestKey {
            id: "k".into(),
            department: "区民政局".into(),
            org_unit: "500118".into(),
            entities: vec!["person".into(), "household".into()],
        };
        for (unit, entity, expect) in [
            ("500118100001", "person", Decision::Allow),
            ("500118100", "household", Decision::Allow),
            ("500118", "person", Decision::Allow),
            ("500119100001", "person", Decision::Deny(DenyReason::OutOfScope)),
            ("500118100001", "enterprise", Decision::Deny(DenyReason::OtherDepartment)),
            ("5001", "person", Decision::Deny(DenyReason::OutOfScope)),
        ] {
            assert_eq!(authorize_ingest(&key, unit, entity), expect, "{unit} {entity}");
        }
    }
}
