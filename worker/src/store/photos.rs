//! Survey photos: the bytes in the R2 bucket `PHOTOS` under
//! `photos/<hash>`, their metadata and the villages they were uploaded for
//! in D1. The port `PhotoStore`; SQL and R2 only.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{Bucket, Env};
use ybt_core::service::ServiceError;
use ybt_core::service::surveys::{PhotoStore, PhotoUpload, StoredPhoto};

use super::Store;
use crate::error::Storage;

impl Store {
    /// Records a photo's metadata once and the village it was uploaded
    /// for (both `INSERT OR IGNORE`, one batch); true when the photo is new.
    pub async fn add_photo(&self, p: &PhotoUpload<'_>) -> Result<bool, ServiceError> {
        let (hash, content_type, org_unit, by, now) = (p.hash, p.content_type, p.org_unit, p.by, p.now);
        let photo = self
            .db()?
            .prepare(
                "INSERT OR IGNORE INTO photos (hash, bytes, content_type, org_unit, uploaded_by, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(&[hash.into(), JsValue::from_f64(p.bytes as f64), content_type.into(), org_unit.into(), by.into(), now.into()]).storage()?;
        let upload = self
            .db()?
            .prepare("INSERT OR IGNORE INTO photo_uploads (hash, org_unit, uploaded_by, uploaded_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(&[hash.into(), org_unit.into(), by.into(), now.into()])
            .storage()?;
        let results = self.db()?.batch(vec![photo, upload]).await.storage()?;
        Ok(results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) > 0)
    }

    /// A stored photo's content type and what its reading is decided by:
    /// (org unit, department of the form) of every submission naming it,
    /// and (village, "") of every village it was uploaded for.
    pub async fn photo(&self, hash: &str) -> Result<Option<StoredPhoto>, ServiceError> {
        #[derive(Deserialize)]
        struct Photo {
            content_type: String,
        }
        #[derive(Deserialize)]
        struct Ground {
            org_unit: String,
            department: String,
        }
        let Some(photo) = self
            .db()?
            .prepare("SELECT content_type FROM photos WHERE hash = ?1")
            .bind(&[hash.into()])
            .storage()?
            .first::<Photo>(None)
            .await
            .storage()?
        else {
            return Ok(None);
        };
        let grounds = self
            .db()?
            .prepare(
                "SELECT s.org_unit, t.department FROM photo_refs r JOIN submissions s ON s.id = r.submission_id \
                 JOIN templates t ON t.id = s.template_id AND t.version = s.template_version WHERE r.hash = ?1 \
                 UNION SELECT org_unit, '' FROM photo_uploads WHERE hash = ?1",
            )
            .bind(&[hash.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<Ground>()
            .storage()?
            .into_iter()
            .map(|g| (g.org_unit, g.department))
            .collect();
        Ok(Some(StoredPhoto { content_type: photo.content_type, grounds }))
    }

    /// Which of `hashes` were not uploaded for `org_unit` (a village names
    /// only photos it sent itself: the same bytes sent by another village
    /// do not count).
    pub async fn photos_not_uploaded(&self, org_unit: &str, hashes: &[&str]) -> Result<Vec<String>, ServiceError> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        #[derive(Deserialize)]
        struct Row {
            hash: String,
        }
        let found: std::collections::HashSet<String> = self
            .db()?
            .prepare("SELECT hash FROM photo_uploads WHERE org_unit = ?1 AND hash IN (SELECT value FROM json_each(?2))")
            .bind(&[org_unit.into(), serde_json::to_string(hashes).storage()?.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<Row>()
            .storage()?
            .into_iter()
            .map(|r| r.hash)
            .collect();
        Ok(hashes.iter().filter(|h| !found.contains(**h)).map(|h| (*h).to_owned()).collect())
    }
}

/// Photos: the bytes in the R2 bucket `PHOTOS` under `photos/<hash>`, their
/// metadata in D1.
pub struct Photos<'a> {
    store: &'a Store,
    bucket: Bucket,
}

impl<'a> Photos<'a> {
    pub fn new(store: &'a Store, env: &Env) -> Result<Photos<'a>, ServiceError> {
        Ok(Photos { store, bucket: env.bucket("PHOTOS").storage()? })
    }
}

fn photo_key(hash: &str) -> String {
    format!("photos/{hash}")
}

impl PhotoStore for Photos<'_> {
    async fn has_object(&self, hash: &str) -> Result<bool, ServiceError> {
        Ok(self.bucket.head(photo_key(hash)).await.storage()?.is_some())
    }

    async fn put_object(&self, hash: &str, bytes: &[u8], content_type: &str) -> Result<(), ServiceError> {
        self.bucket
            .put(photo_key(hash), bytes.to_vec())
            .http_metadata(worker::HttpMetadata { content_type: Some(content_type.to_owned()), ..Default::default() })
            .execute()
            .await
            .storage()?;
        Ok(())
    }

    async fn object(&self, hash: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        let object = self.bucket.get(photo_key(hash)).execute().await.storage()?;
        match object.as_ref().and_then(|o| o.body()) {
            Some(body) => Ok(Some(body.bytes().await.storage()?)),
            None => Ok(None),
        }
    }

    async fn add_photo(&self, upload: &PhotoUpload<'_>) -> Result<bool, ServiceError> {
        self.store.add_photo(upload).await
    }

    async fn photo(&self, hash: &str) -> Result<Option<StoredPhoto>, ServiceError> {
        self.store.photo(hash).await
    }
}
