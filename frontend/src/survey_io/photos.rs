//! Photos: resized with a canvas, hashed with WebCrypto, kept in IndexedDB
//! per user (room checked first); and the device's location.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{js, load, user};

/// Longest side of a resized photo, in pixels.
pub const MAX_SIDE: f64 = ybt_core::survey::photo::MAX_SIDE_FROM_APP as f64;
/// Largest photo sent, in bytes.
pub const MAX_PHOTO_BYTES: usize = 500 * 1024;
/// Room left free on the device beyond a new photo: the app's own files,
/// forms and drafts need some too.
const RESERVE_BYTES: f64 = 8.0 * 1024.0 * 1024.0;
const LEGACY_PHOTOS: &str = "ybt-survey-photos";
const DB: &str = "ybt-survey";
const STORE: &str = "photos";

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

/// Deletes a kept photo (`outbox::forget_photo` decides whether it may go).
pub(super) async fn delete_photo(hash: &str) {
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
