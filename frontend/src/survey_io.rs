//! Browser IO of emergency surveys: photos (resize with a canvas, hash,
//! keep in IndexedDB, upload), location, and the offline outbox.
//!
//! The outbox holds whole submissions (with their client-chosen
//! `submission_id`) in `localStorage`, per signed-in user; the photos they
//! name wait in IndexedDB (database `ybt-survey`, keys `<user>/<hash>`),
//! which holds far more than `localStorage` and whose room is checked
//! (`navigator.storage.estimate`) before another photo is accepted. Sync
//! uploads the photos (idempotent: stored by content hash), then posts the
//! submission (idempotent: keyed by its id), and only then drops the entry
//! and its photos: a crash or a lost answer anywhere leaves the entry to be
//! sent again, and the server stores it once.
//!
//! Sync runs when the app starts, on `online`, after a submit, and again on
//! a timer with backoff after any failure (a dropped connection while the
//! phone still says it is online included). What it is doing is published
//! as a window event (`ybt-outbox`) so that every view shows the truth:
//! 排队中, 正在发送, 已送达.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use ybt_core::FieldError;
use ybt_core::api::SubmissionRequest;

use crate::api::ApiFailure;
use crate::timer::Timeout;

/// Longest side of a resized photo, in pixels.
pub const MAX_SIDE: f64 = ybt_core::survey::photo::MAX_SIDE_FROM_APP as f64;
/// Largest photo sent, in bytes.
pub const MAX_PHOTO_BYTES: usize = 500 * 1024;
/// Room left free on the device beyond a new photo: the app's own files,
/// forms and drafts need some too.
const RESERVE_BYTES: f64 = 8.0 * 1024.0 * 1024.0;
/// The event every change of the outbox is announced with.
pub const EVENT: &str = "ybt-outbox";
/// Retries after a failure wait 5 s, 10 s, 20 s … at most 2 minutes.
const FIRST_RETRY_MS: i32 = 5_000;
const MAX_RETRY_MS: i32 = 120_000;
const LEGACY_OUTBOX: &str = "ybt-survey-outbox";
const LEGACY_PHOTOS: &str = "ybt-survey-photos";
const DB: &str = "ybt-survey";
const STORE: &str = "photos";

fn js(e: JsValue) -> String {
    e.as_string()
        .unwrap_or_else(|| js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| format!("{e:?}")))
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn load<T: for<'de> Deserialize<'de>>(key: &str) -> Option<T> {
    serde_json::from_str(&storage()?.get_item(key).ok()??).ok()
}

pub fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(value)) {
        let _ = s.set_item(key, &text);
    }
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

#[derive(Default)]
struct State {
    /// Whose outbox: the signed-in user's name.
    user: String,
    syncing: bool,
    /// Another sync was asked for while one ran.
    again: bool,
    /// The submission being sent now.
    sending: Option<String>,
    /// Failed attempts in a row, for the backoff.
    failures: u32,
    retry: Option<Timeout>,
    /// When the next retry is due (ms since the epoch), for the page to say.
    retry_at: Option<f64>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Whose outbox the app works with: set when someone signs in (or is
/// remembered offline), cleared on sign-out.
pub fn set_user(user: &str) {
    STATE.with(|s| s.borrow_mut().user = user.to_owned());
    if !user.is_empty() {
        adopt_legacy(user);
        sync_soon();
    }
    notify();
}

fn user() -> String {
    STATE.with(|s| s.borrow().user.clone())
}

fn outbox_key(user: &str) -> String {
    format!("ybt-survey-outbox:{user}")
}

fn outcomes_key(user: &str) -> String {
    format!("ybt-survey-sent:{user}")
}

/// The outbox of the version before photos moved to IndexedDB, if any,
/// becomes the current user's (its photos are still read from there).
fn adopt_legacy(user: &str) {
    if let Some(old) = load::<Vec<Queued>>(LEGACY_OUTBOX) {
        let mut queue = load::<Vec<Queued>>(&outbox_key(user)).unwrap_or_default();
        for entry in old {
            if !queue.iter().any(|q| q.request.submission_id == entry.request.submission_id) {
                queue.push(entry);
            }
        }
        save(&outbox_key(user), &queue);
        remove(LEGACY_OUTBOX);
    }
}

fn notify() {
    if let Some(window) = web_sys::window()
        && let Ok(event) = web_sys::CustomEvent::new(EVENT)
    {
        let _ = window.dispatch_event(&event);
    }
}

/// A queued submission and what to call it in the queue's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    #[serde(flatten)]
    pub request: SubmissionRequest,
    /// "台风受灾摸排表 · 青峰村".
    #[serde(default)]
    pub label: String,
}

/// What became of a submission that left the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub submission_id: String,
    #[serde(default)]
    pub task_id: Option<String>,
    pub label: String,
    pub rows: usize,
    /// The receipt's time, or when it was refused.
    pub at: String,
    /// Refused by the worker: its message (zh, en) and errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<ybt_core::messages::Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Submissions waiting to be sent, oldest first.
pub fn outbox() -> Vec<Queued> {
    let user = user();
    if user.is_empty() {
        return Vec::new();
    }
    load(&outbox_key(&user)).unwrap_or_default()
}

/// The last outcomes (newest first, at most 20).
pub fn outcomes() -> Vec<Outcome> {
    let user = user();
    if user.is_empty() {
        return Vec::new();
    }
    load(&outcomes_key(&user)).unwrap_or_default()
}

fn record_outcome(outcome: Outcome) {
    let user = user();
    let mut list = outcomes();
    list.retain(|o| o.submission_id != outcome.submission_id);
    list.insert(0, outcome);
    list.truncate(20);
    save(&outcomes_key(&user), &list);
}

/// Queues a submission (replacing one with the same id).
pub fn enqueue(request: SubmissionRequest, label: String) {
    let user = user();
    let mut queue = outbox();
    queue.retain(|r| r.request.submission_id != request.submission_id);
    let mut list = outcomes();
    list.retain(|o| o.submission_id != request.submission_id);
    save(&outcomes_key(&user), &list);
    queue.push(Queued { request, label });
    save(&outbox_key(&user), &queue);
    notify();
}

fn dequeue(id: &str) {
    let mut queue = outbox();
    queue.retain(|r| r.request.submission_id != id);
    save(&outbox_key(&user()), &queue);
}

/// Where one submission stands, as shown to staff.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// 排队中: on the device; the next attempt at `retry_at` (ms), if known.
    Queued { retry_at: Option<f64>, failures: u32 },
    /// 正在发送.
    Sending,
    /// 已送达 or refused.
    Done(Outcome),
    /// Not queued and no outcome known.
    Unknown,
}

pub fn delivery(submission_id: &str) -> Delivery {
    let (sending, retry_at, failures) = STATE.with(|s| {
        let s = s.borrow();
        (s.sending.clone(), s.retry_at, s.failures)
    });
    if sending.as_deref() == Some(submission_id) {
        return Delivery::Sending;
    }
    if outbox().iter().any(|q| q.request.submission_id == submission_id) {
        return Delivery::Queued { retry_at, failures };
    }
    outcomes().into_iter().find(|o| o.submission_id == submission_id).map_or(Delivery::Unknown, Delivery::Done)
}

/// A photo ready to send: its SHA-256 and its JPEG bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Photo {
    pub hash: String,
    pub bytes: Vec<u8>,
    /// Size of the file the camera gave, for the record.
    pub original_bytes: f64,
}

async fn to_blob(canvas: &web_sys::HtmlCanvasElement, quality: f64) -> Result<web_sys::Blob, String> {
    let mut slot = None;
    let promise = js_sys::Promise::new(&mut |resolve, _| slot = Some(resolve));
    let resolve = slot.ok_or("promise")?;
    let callback = Closure::once(move |blob: JsValue| {
        let _ = resolve.call1(&JsValue::NULL, &blob);
    });
    canvas
        .to_blob_with_type_and_encoder_options(callback.as_ref().unchecked_ref(), "image/jpeg", &JsValue::from_f64(quality))
        .map_err(js)?;
    let blob = JsFuture::from(promise).await.map_err(js)?;
    drop(callback);
    blob.dyn_into::<web_sys::Blob>().map_err(|_| "no JPEG encoder".to_owned())
}

/// Resizes a camera photo to a JPEG with a long side of at most
/// [`MAX_SIDE`] and at most [`MAX_PHOTO_BYTES`], lowering the quality until
/// it fits. Errors are sentences for staff.
pub async fn resize(file: &web_sys::File) -> Result<Photo, String> {
    let not_a_photo = || "这不是照片文件：请选择相机拍摄的照片（JPEG、PNG 等图片）".to_owned();
    if !file.type_().starts_with("image/") {
        return Err(not_a_photo());
    }
    let window = web_sys::window().ok_or("no window")?;
    let decoding = window.create_image_bitmap_with_blob(file).map_err(|_| not_a_photo())?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(decoding).await.map_err(|_| not_a_photo())?.unchecked_into();
    let (w, h) = (f64::from(bitmap.width()), f64::from(bitmap.height()));
    let scale = (MAX_SIDE / w.max(h)).min(1.0);
    let (tw, th) = ((w * scale).round().max(1.0), (h * scale).round().max(1.0));
    let canvas: web_sys::HtmlCanvasElement = window.document().ok_or("no document")?.create_element("canvas").map_err(js)?.unchecked_into();
    canvas.set_width(tw as u32);
    canvas.set_height(th as u32);
    let context: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").map_err(js)?.ok_or("no 2d context")?.unchecked_into();
    context.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, tw, th).map_err(js)?;
    bitmap.close();
    let mut blob = to_blob(&canvas, 0.85).await?;
    for quality in [0.75, 0.65, 0.55, 0.45, 0.35, 0.25] {
        if blob.size() <= MAX_PHOTO_BYTES as f64 {
            break;
        }
        blob = to_blob(&canvas, quality).await?;
    }
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(js)?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(format!("照片压缩后仍有 {} KB，超过 500 KB：请换一张照片", bytes.len() / 1024));
    }
    Ok(Photo { hash: sha256_hex(&bytes).await?, bytes, original_bytes: file.size() })
}

/// SHA-256 in lowercase hex, as the worker names photos.
pub async fn sha256_hex(bytes: &[u8]) -> Result<String, String> {
    let subtle = web_sys::window().ok_or("no window")?.crypto().map_err(js)?.subtle();
    let array = js_sys::Uint8Array::from(bytes);
    let digest = JsFuture::from(subtle.digest_with_str_and_buffer_source("SHA-256", &array).map_err(js)?).await.map_err(js)?;
    Ok(js_sys::Uint8Array::new(&digest).to_vec().iter().map(|b| format!("{b:02x}")).collect())
}

/// The device's position: (lat, lng, accuracy in metres).
pub async fn locate() -> Result<(f64, f64, f64), String> {
    let geolocation = web_sys::window().ok_or("no window")?.navigator().geolocation().map_err(js)?;
    let mut slots = None;
    let promise = js_sys::Promise::new(&mut |resolve, reject| slots = Some((resolve, reject)));
    let (resolve, reject) = slots.ok_or("promise")?;
    let ok = Closure::once(move |p: JsValue| {
        let _ = resolve.call1(&JsValue::NULL, &p);
    });
    let fail = Closure::once(move |e: JsValue| {
        let _ = reject.call1(&JsValue::NULL, &e);
    });
    let options = web_sys::PositionOptions::new();
    options.set_timeout(10_000);
    options.set_enable_high_accuracy(true);
    geolocation
        .get_current_position_with_error_callback_and_options(ok.as_ref().unchecked_ref(), Some(fail.as_ref().unchecked_ref()), &options)
        .map_err(js)?;
    let position: web_sys::Position = JsFuture::from(promise).await.map_err(|_| "无法定位：请在下面填写地址".to_owned())?.unchecked_into();
    drop((ok, fail));
    let c = position.coords();
    Ok((c.latitude(), c.longitude(), c.accuracy()))
}

// IndexedDB: one object store of photo bytes under `<user>/<hash>`.

/// Waits for an IndexedDB request: its result, or its error as text.
async fn done(request: &web_sys::IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok_request = request.clone();
        let on_ok = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &ok_request.result().unwrap_or(JsValue::UNDEFINED));
        });
        let failed_request = request.clone();
        let on_error = Closure::once_into_js(move || {
            let error = failed_request.error().ok().flatten().map_or(JsValue::UNDEFINED, JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        request.set_onsuccess(Some(on_ok.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| {
        let name = js_sys::Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default();
        if name == "QuotaExceededError" { FULL.to_owned() } else { js(e) }
    })
}

const FULL: &str = "本机存储空间已满，不能再存照片：请先联网把排队的填报发出去，或删除几张照片";

async fn database() -> Result<web_sys::IdbDatabase, String> {
    let factory = web_sys::window().ok_or("no window")?.indexed_db().map_err(js)?.ok_or("本浏览器不能离线保存照片（没有 IndexedDB）")?;
    let open = factory.open_with_u32(DB, 1).map_err(js)?;
    let upgrading = open.clone();
    let on_upgrade = Closure::once_into_js(move || {
        if let Ok(db) = upgrading.result().and_then(|r| r.dyn_into::<web_sys::IdbDatabase>().map_err(JsValue::from))
            && !db.object_store_names().contains(STORE)
        {
            let _ = db.create_object_store(STORE);
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db = done(&open).await?.dyn_into::<web_sys::IdbDatabase>().map_err(|_| "IndexedDB".to_owned())?;
    // Lets a sign-out's `deleteDatabase` go through instead of waiting.
    let closing = db.clone();
    let on_change = Closure::once_into_js(move || closing.close());
    db.set_onversionchange(Some(on_change.unchecked_ref()));
    Ok(db)
}

async fn photo_store(mode: web_sys::IdbTransactionMode) -> Result<web_sys::IdbObjectStore, String> {
    let db = database().await?;
    db.transaction_with_str_and_mode(STORE, mode).map_err(js)?.object_store(STORE).map_err(js)
}

fn photo_key(hash: &str) -> String {
    format!("{}/{hash}", user())
}

/// Free room on the device, as the browser estimates it (`None`: unknown).
async fn free_bytes() -> Option<f64> {
    let storage = web_sys::window()?.navigator().storage();
    let estimate = JsFuture::from(storage.estimate().ok()?).await.ok()?;
    let get = |key: &str| js_sys::Reflect::get(&estimate, &key.into()).ok().and_then(|v| v.as_f64());
    Some(get("quota")? - get("usage").unwrap_or(0.0))
}

/// Keeps a photo on the device until the submission naming it has been
/// sent. Refused, with a sentence to show, when the device has no room for
/// it (checked before writing) or the write fails.
pub async fn keep_photo(photo: &Photo) -> Result<(), String> {
    if let Some(free) = free_bytes().await
        && free < photo.bytes.len() as f64 + RESERVE_BYTES
    {
        return Err(FULL.to_owned());
    }
    let store = photo_store(web_sys::IdbTransactionMode::Readwrite).await?;
    let bytes = js_sys::Uint8Array::from(photo.bytes.as_slice());
    done(&store.put_with_key(&bytes, &photo_key(&photo.hash).into()).map_err(js)?).await?;
    Ok(())
}

/// The bytes of a kept photo (or one kept by the version that used
/// `localStorage`).
pub async fn photo_bytes(hash: &str) -> Option<Vec<u8>> {
    let kept = async {
        let store = photo_store(web_sys::IdbTransactionMode::Readonly).await.ok()?;
        let value = done(&store.get(&photo_key(hash).into()).ok()?).await.ok()?;
        value.dyn_into::<js_sys::Uint8Array>().ok().map(|a| a.to_vec())
    };
    if let Some(bytes) = kept.await {
        return Some(bytes);
    }
    let encoded = load::<std::collections::BTreeMap<String, String>>(LEGACY_PHOTOS)?.remove(hash)?;
    let binary = web_sys::window()?.atob(&encoded).ok()?;
    Some(binary.chars().map(|c| c as u8).collect())
}

/// A `blob:` URL showing a kept photo (the caller revokes it), so previews
/// work before anything was uploaded, offline too.
pub async fn photo_url(hash: &str) -> Option<String> {
    let bytes = photo_bytes(hash).await?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/jpeg");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Drops a kept photo (removed by staff, or sent). Photos still named by a
/// queued submission are kept.
pub async fn forget_photo(hash: &str) {
    if outbox().iter().any(|q| photos_of(&q.request).iter().any(|h| h == hash)) {
        return;
    }
    if let Ok(store) = photo_store(web_sys::IdbTransactionMode::Readwrite).await
        && let Ok(request) = store.delete(&photo_key(hash).into())
    {
        let _ = done(&request).await;
    }
}

/// Deletes every photo this browser keeps (the whole IndexedDB database),
/// on sign-out: a shared village PC keeps no one's photos. Open connections
/// close themselves on the version change (see `database`); one held by
/// another tab delays the deletion until that tab lets go, so this does not
/// wait for it.
pub fn forget_photos() {
    if let Some(factory) = web_sys::window().and_then(|w| w.indexed_db().ok().flatten()) {
        let _ = factory.delete_database(DB);
    }
}

/// The photo hashes a submission names.
pub fn photos_of(request: &SubmissionRequest) -> Vec<String> {
    let mut hashes: Vec<String> = request
        .rows
        .iter()
        .flat_map(|r| r.values.values())
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|v| v.as_str())
        .filter(|s| ybt_core::survey::is_photo_hash(s))
        .map(str::to_owned)
        .collect();
    hashes.dedup();
    hashes
}

/// Asks for a sync now (or right after the one running).
pub fn sync_soon() {
    wasm_bindgen_futures::spawn_local(sync());
}

fn now_iso() -> String {
    js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default()
}

/// Sends every queued submission, photos first. Runs one at a time: asked
/// again while running, it runs once more afterwards. After a failure it
/// schedules its own retry (5 s, 10 s, 20 s … 2 min).
pub async fn sync() {
    let busy = STATE.with(|s| {
        let mut s = s.borrow_mut();
        if s.syncing {
            s.again = true;
            return true;
        }
        s.syncing = true;
        s.retry = None;
        s.retry_at = None;
        false
    });
    if busy {
        return;
    }
    loop {
        let failed = sync_once().await;
        let again = STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.sending = None;
            if failed {
                s.failures += 1;
            } else {
                s.failures = 0;
            }
            std::mem::take(&mut s.again) && !failed
        });
        if !again {
            if failed {
                schedule_retry();
            }
            break;
        }
    }
    STATE.with(|s| s.borrow_mut().syncing = false);
    notify();
}

fn schedule_retry() {
    let failures = STATE.with(|s| s.borrow().failures);
    let wait = FIRST_RETRY_MS.saturating_mul(1 << failures.saturating_sub(1).min(5)).min(MAX_RETRY_MS);
    let timeout = Timeout::new(wait, sync_soon);
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.retry = Some(timeout);
        s.retry_at = Some(js_sys::Date::now() + f64::from(wait));
    });
}

/// One pass over the queue; true when something could not be sent for
/// want of an answer (to be retried).
async fn sync_once() -> bool {
    for entry in outbox() {
        let request = entry.request.clone();
        STATE.with(|s| s.borrow_mut().sending = Some(request.submission_id.clone()));
        notify();
        let hashes = photos_of(&request);
        for hash in &hashes {
            if let Some(bytes) = photo_bytes(hash).await {
                match crate::api::upload_photo(&request.org_unit, &bytes).await {
                    Ok(()) => {}
                    Err(failure) if failure.retryable() => return true,
                    // A refused photo: the submission is refused below with the reason.
                    Err(_) => {}
                }
            }
        }
        let outcome = |at: String, refused: Option<ybt_core::messages::Text>, errors: Vec<FieldError>| Outcome {
            submission_id: request.submission_id.clone(),
            task_id: request.task_id.clone(),
            label: entry.label.clone(),
            rows: request.rows.len(),
            at,
            refused,
            errors,
        };
        match crate::api::submit(&request).await {
            Err(failure) if failure.retryable() => return true,
            // Stored (201) or stored before (200): either way it arrived
            // (`Network` with a 2xx status: an answer that could not be read).
            result @ (Ok(_) | Err(ApiFailure::Network { status: Some(200..=299), .. })) => {
                let at = result.ok().map_or_else(now_iso, |r| r.submitted_at);
                dequeue(&request.submission_id);
                record_outcome(outcome(at, None, Vec::new()));
                for hash in &hashes {
                    forget_photo(hash).await;
                }
            }
            Err(failure) => {
                dequeue(&request.submission_id);
                let (refused, errors) = match failure {
                    ApiFailure::Server { body, .. } => (body.error.message, body.error.fields),
                    ApiFailure::Network { status, .. } => {
                        (ybt_core::messages::Text::new(format!("被拒收（HTTP {}）", status.unwrap_or_default()), "refused"), Vec::new())
                    }
                };
                record_outcome(outcome(now_iso(), Some(refused), errors));
                // Its photos stay on the device: staff fix the rows and send again.
            }
        }
        notify();
    }
    false
}

/// Starts the background sync: now, whenever the connection returns, and
/// by its own retries. For the app's lifetime.
pub fn start_background_sync() {
    sync_soon();
    std::mem::forget(crate::timer::WindowListener::new("online", sync_soon));
}
