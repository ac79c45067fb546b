//! Browser IO of emergency surveys: photos (resize with a canvas, hash,
//! upload), location, and the offline outbox in `localStorage`.
//!
//! The outbox holds whole submissions (with their client-chosen
//! `submission_id`) and the photos they name (resized JPEG, base64). Sync
//! uploads the photos (idempotent: stored by content hash), then posts the
//! submission (idempotent: keyed by its id), and only then drops the entry:
//! a crash or a lost answer anywhere leaves the entry to be sent again, and
//! the server stores it once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use ybt_core::api::{ErrorBody, SubmissionReceipt, SubmissionRequest};

/// Longest side of a resized photo, in pixels.
pub const MAX_SIDE: f64 = 1600.0;
/// Largest photo sent, in bytes.
pub const MAX_PHOTO_BYTES: usize = 500 * 1024;
const OUTBOX: &str = "ybt-survey-outbox";
const PHOTOS: &str = "ybt-survey-photos";

fn js(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
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
/// it fits.
pub async fn resize(file: &web_sys::File) -> Result<Photo, String> {
    let window = web_sys::window().ok_or("no window")?;
    let bitmap: web_sys::ImageBitmap =
        JsFuture::from(window.create_image_bitmap_with_blob(file).map_err(js)?).await.map_err(js)?.unchecked_into();
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
        return Err(format!("照片压缩后仍有 {} KB / still {} KB after resizing", bytes.len() / 1024, bytes.len() / 1024));
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
    let position: web_sys::Position = JsFuture::from(promise)
        .await
        .map_err(|e| {
            let message = js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
            format!("无法定位，请填写地址 / cannot locate, enter the address ({message})")
        })?
        .unchecked_into();
    drop((ok, fail));
    let c = position.coords();
    Ok((c.latitude(), c.longitude(), c.accuracy()))
}

/// Photos waiting to be sent, by hash (base64 JPEG).
fn pending_photos() -> BTreeMap<String, String> {
    load(PHOTOS).unwrap_or_default()
}

/// Keeps a photo until the submission naming it has been sent.
pub fn keep_photo(photo: &Photo) {
    let mut photos = pending_photos();
    let text = js_sys::Uint8Array::from(photo.bytes.as_slice());
    let encoded = web_sys::window()
        .and_then(|w| {
            let binary: String = text.to_vec().iter().map(|b| char::from(*b)).collect();
            w.btoa(&binary).ok()
        })
        .unwrap_or_default();
    photos.insert(photo.hash.clone(), encoded);
    save(PHOTOS, &photos);
}

fn photo_bytes(hash: &str) -> Option<Vec<u8>> {
    let encoded = pending_photos().remove(hash)?;
    let binary = web_sys::window()?.atob(&encoded).ok()?;
    Some(binary.chars().map(|c| c as u8).collect())
}

/// Submissions waiting to be sent, oldest first.
pub fn outbox() -> Vec<SubmissionRequest> {
    load(OUTBOX).unwrap_or_default()
}

/// Queues a submission (replacing one with the same id).
pub fn enqueue(request: SubmissionRequest) {
    let mut queue = outbox();
    queue.retain(|r| r.submission_id != request.submission_id);
    queue.push(request);
    save(OUTBOX, &queue);
}

fn dequeue(id: &str) {
    let mut queue = outbox();
    queue.retain(|r| r.submission_id != id);
    save(OUTBOX, &queue);
}

/// What sending one queued submission ended with.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    Stored(SubmissionReceipt),
    /// The worker refused it (validation, conflict): it left the queue; the
    /// error is for staff to fix.
    Refused(SubmissionRequest, ErrorBody),
    /// No connection: still queued.
    Offline,
}

pub async fn upload_photo(org_unit: &str, bytes: &[u8]) -> Result<(), Option<ErrorBody>> {
    let body = js_sys::Uint8Array::from(bytes);
    let response = gloo_net::http::Request::put(&format!("/api/photos?org_unit={org_unit}"))
        .header("X-Yibiaotong", "1")
        .header("Content-Type", "image/jpeg")
        .body(body)
        .map_err(|_| None)?
        .send()
        .await
        .map_err(|_| None)?;
    if response.ok() { Ok(()) } else { Err(response.json::<ErrorBody>().await.ok()) }
}

/// Sends every queued submission, photos first. Safe to call at any time,
/// twice at once included: ids make every step idempotent on the server.
pub async fn sync() -> Vec<Sent> {
    let mut results = Vec::new();
    for request in outbox() {
        let hashes: Vec<String> = request
            .rows
            .iter()
            .flat_map(|r| r.values.values())
            .filter_map(|v| v.as_array())
            .flatten()
            .filter_map(|v| v.as_str())
            .filter(|s| ybt_core::survey::is_photo_hash(s))
            .map(str::to_owned)
            .collect();
        let mut offline = false;
        for hash in &hashes {
            if let Some(bytes) = photo_bytes(hash) {
                if let Err(None) = upload_photo(&request.org_unit, &bytes).await {
                    offline = true;
                    break;
                }
            }
        }
        if offline {
            results.push(Sent::Offline);
            break;
        }
        let sent =
            gloo_net::http::Request::post("/api/submissions").header("X-Yibiaotong", "1").json(&request).map_err(|_| ()).map(|r| r.send());
        let Ok(sending) = sent else { continue };
        match sending.await {
            Err(_) => {
                results.push(Sent::Offline);
                break;
            }
            Ok(response) if response.ok() => {
                dequeue(&request.submission_id);
                let mut photos = pending_photos();
                hashes.iter().for_each(|h| {
                    photos.remove(h);
                });
                save(PHOTOS, &photos);
                match response.json::<SubmissionReceipt>().await {
                    Ok(receipt) => results.push(Sent::Stored(receipt)),
                    Err(_) => results.push(Sent::Offline),
                }
            }
            Ok(response) if response.status() >= 500 => {
                results.push(Sent::Offline);
                break;
            }
            Ok(response) => {
                dequeue(&request.submission_id);
                if let Ok(body) = response.json::<ErrorBody>().await {
                    results.push(Sent::Refused(request, body));
                }
            }
        }
    }
    results
}
