//! Survey photos: stored once under their SHA-256, readable by any reader
//! of a submission naming them or of a village they were uploaded for.

use crate::service::require;
use sha2::{Digest, Sha256};

use crate::access::{Action, Principal};
use crate::survey::photo::inspect;
use crate::survey::{PhotoReceipt, is_photo_hash, may_read_photo};

use crate::service::{Now, ServiceError};

/// A photo's metadata and the village it was uploaded for.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoUpload<'a> {
    pub hash: &'a str,
    pub bytes: usize,
    pub content_type: &'a str,
    pub org_unit: &'a str,
    pub by: &'a str,
    pub now: &'a str,
}

/// A stored photo: its content type and what reading it is decided by —
/// (org unit, department of the form) of every submission naming it, and
/// (village, "") of every village it was uploaded for.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPhoto {
    pub content_type: String,
    pub grounds: Vec<(String, String)>,
}

/// A photo to send back.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoFile {
    pub content_type: &'static str,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Where photos are kept: the bytes (an object store) and their metadata.
#[allow(async_fn_in_trait)]
pub trait PhotoStore {
    async fn has_object(&self, hash: &str) -> Result<bool, ServiceError>;
    async fn put_object(&self, hash: &str, bytes: &[u8], content_type: &str) -> Result<(), ServiceError>;
    async fn object(&self, hash: &str) -> Result<Option<Vec<u8>>, ServiceError>;
    /// Records the photo's metadata once and the village it was uploaded
    /// for (both kept if present), together; true when the photo is new.
    async fn add_photo(&self, upload: &PhotoUpload<'_>) -> Result<bool, ServiceError>;
    async fn photo(&self, hash: &str) -> Result<Option<StoredPhoto>, ServiceError>;
}

fn photo_not_found() -> ServiceError {
    ServiceError::NotFound { what: "photo", zh: "该照片" }
}

/// A photo's name from a path: a SHA-256 in lowercase hex, else 404 (before
/// anyone is asked who they are).
pub fn photo_name(hash: &str) -> Result<&str, ServiceError> {
    if is_photo_hash(hash) { Ok(hash) } else { Err(photo_not_found()) }
}

/// Whether `principal` may upload photos for `org_unit`: checked before the
/// body is read, so a stranger is refused (403) whatever they send.
pub fn authorize_upload(principal: &Principal, org_unit: &str) -> Result<(), ServiceError> {
    require(principal, &Action::Submit { org_unit })
}

/// `PUT /api/photos?org_unit=`: a JPEG, PNG or WebP (type and declared
/// dimensions checked from its header, before anything is kept), stored
/// under its SHA-256. Retry: the same bytes again store nothing new
/// (`created: false`). Crash: the object first, then the metadata (kept if
/// present); a crash between them leaves an object the retry finds and
/// completes.
pub async fn upload_photo<S: PhotoStore>(
    principal: &Principal,
    org_unit: &str,
    bytes: &[u8],
    now: &Now,
    store: &S,
) -> Result<PhotoReceipt, ServiceError> {
    authorize_upload(principal, org_unit)?;
    let photo = inspect(bytes).map_err(|e| ServiceError::BadRequest { code: e.code, message: e.message })?;
    let content_type = photo.kind.content_type();
    let hash: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    if !store.has_object(&hash).await? {
        store.put_object(&hash, bytes, content_type).await?;
    }
    let upload = PhotoUpload { hash: &hash, bytes: bytes.len(), content_type, org_unit, by: &principal.username, now: &now.instant };
    let created = store.add_photo(&upload).await?;
    Ok(PhotoReceipt { hash, bytes: bytes.len() as u64, created })
}

/// `GET /api/photos/{hash}`: for any reader of any submission naming the
/// photo, or of a village it was uploaded for (`survey::may_read_photo`):
/// the same bytes sent by two villages stay readable by both and by their
/// town centres. Refused with the reason the first ground gives (none: 404).
pub async fn get_photo<S: PhotoStore>(principal: &Principal, hash: &str, store: &S) -> Result<PhotoFile, ServiceError> {
    let hash = photo_name(hash)?;
    let stored = store.photo(hash).await?.ok_or_else(photo_not_found)?;
    if !may_read_photo(principal, &stored.grounds) {
        let (org_unit, department) = stored.grounds.first().ok_or_else(photo_not_found)?;
        require(principal, &Action::ReadSubmission { org_unit, department })?;
    }
    let bytes = store.object(hash).await?.ok_or_else(photo_not_found)?;
    let content_type = match stored.content_type.as_str() {
        "image/png" => "image/png",
        "image/webp" => "image/webp",
        _ => "image/jpeg",
    };
    Ok(PhotoFile { content_type, filename: format!("{hash}.jpg"), bytes })
}
