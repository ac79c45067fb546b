//! Departments' ingest keys in D1, looked up by the SHA-256 of the key.

use serde::Deserialize;
use ybt_core::access::IngestKey;

use ybt_core::service::ServiceError;

use super::Store;
use crate::error::Storage;

#[derive(Deserialize)]
struct KeyRow {
    id: String,
    department: String,
    org_unit: String,
    entities: String,
}

impl Store {
    /// The live key whose hash is `key_hash` (lowercase hex SHA-256).
    pub async fn ingest_key(&self, key_hash: &str) -> Result<Option<IngestKey>, ServiceError> {
        let row = self
            .directory
            .prepare("SELECT id, department, org_unit, entities FROM ingest_keys WHERE key_hash = ?1 AND revoked = 0")
            .bind(&[key_hash.into()])
            .storage()?
            .first::<KeyRow>(None)
            .await
            .storage()?;
        row.map(|r| {
            Ok(IngestKey {
                entities: serde_json::from_str(&r.entities).storage()?,
                id: r.id,
                department: r.department,
                org_unit: r.org_unit,
            })
        })
        .transpose()
    }
}
