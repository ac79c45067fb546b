//! Request and response plumbing shared by the handlers: JSON bodies with a
//! size limit, JSON responses with the API's headers, and error mapping.

use std::cell::Cell;
use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;
use worker::{Request, Response, Result};

use ybt_core::request_limits::{MAX_JSON_DEPTH, json_too_deep};
use ybt_core::service::ServiceError;
use ybt_core::service::ledger::Body;

use crate::error::AppError;

/// Largest request body the API reads: a 10,000-row submission fits.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A handler's successful answer: a status and a JSON body.
pub struct Json<T>(pub u16, pub T);

/// A [`Json`] answer with extra headers (a session cookie, `Server-Timing`).
pub struct Reply<T> {
    pub json: Json<T>,
    pub headers: Vec<(&'static str, String)>,
}

impl<T> Reply<T> {
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply<T> {
        self.headers.push((name, value.into()));
        self
    }

    /// Sends the body gzip-compressed when the client said it accepts gzip
    /// (`accepts_gzip`): the Workers runtime compresses a body whose
    /// response names a `Content-Encoding`. For large answers only (a
    /// 2,000-row form is ~800 KiB of JSON, ~100 KiB compressed).
    pub fn gzip_if(self, accepted: bool) -> Reply<T> {
        if accepted { self.header("Content-Encoding", "gzip") } else { self }
    }
}

impl<T> From<Json<T>> for Reply<T> {
    fn from(json: Json<T>) -> Reply<T> {
        Reply { json, headers: Vec::new() }
    }
}

/// Runs a handler and turns its result, success or error, into a response.
///
/// Generic over each handler (54 of them), so only serialising the body is
/// in the generic part: the headers and the error answer are one function
/// each, not a copy per handler (issue 14, BENCHMARKS.md).
pub async fn respond<T: Serialize, R: Into<Reply<T>>>(handler: impl Future<Output = std::result::Result<R, AppError>>) -> Result<Response> {
    match handler.await.map(Into::into) {
        Ok(Reply { json: Json(status, body), headers }) => {
            let started = clock_ms();
            let bytes = to_json(&body)?;
            reply_response(status, bytes, headers, clock_ms() - started)
        }
        Err(error) => error_response(error),
    }
}

/// The answer to a handler's success: its JSON, the API's headers and its
/// own, with the serialising time added to its `Server-Timing`.
#[inline(never)]
fn reply_response(status: u16, json: Vec<u8>, headers: Vec<(&'static str, String)>, serialised: f64) -> Result<Response> {
    let mut response = json_bytes_response(status, json)?;
    for (name, mut value) in headers {
        if name == "Server-Timing" {
            value.push_str(&format!(", json;dur={serialised:.1}"));
        }
        response.headers_mut().set(name, &value)?;
    }
    Ok(response)
}

/// The answer to a handler's error (logged when internal).
#[inline(never)]
fn error_response(error: AppError) -> Result<Response> {
    if let AppError::Unavailable { detail, .. } = &error {
        worker::console_error!("unavailable: {detail}");
    }
    if let AppError::Internal(detail) = &error {
        worker::console_error!("internal error: {detail}");
    }
    let status = error.status();
    json_response(status, &error.json_body()?)
}

/// Whether the request's `Accept-Encoding` lists gzip.
pub fn accepts_gzip(req: &Request) -> bool {
    req.headers()
        .get("Accept-Encoding")
        .ok()
        .flatten()
        .is_some_and(|v| v.split(',').any(|e| e.split(';').next().is_some_and(|name| name.trim().eq_ignore_ascii_case("gzip"))))
}

/// Milliseconds since an arbitrary start, for `Server-Timing`. (Under
/// `wrangler dev` the clock also advances during computation: a span around
/// a store call includes decoding the rows, measured in issue 5.)
pub fn clock_ms() -> f64 {
    worker::js_sys::Date::now()
}

/// `body` as JSON, failing as `Response::from_json` does.
fn to_json<T: Serialize>(body: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(|_| worker::Error::Json(("Failed to encode data to json".into(), 500)))
}

fn json_response<T: Serialize>(status: u16, body: &T) -> Result<Response> {
    json_bytes_response(status, to_json(body)?)
}

/// A JSON answer with the API's headers.
#[inline(never)]
fn json_bytes_response(status: u16, json: Vec<u8>) -> Result<Response> {
    let mut response = Response::from_bytes(json)?.with_status(status);
    let headers = response.headers_mut();
    headers.set("Content-Type", "application/json")?;
    let headers = response.headers_mut();
    headers.set("Cache-Control", "no-store")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    headers.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    Ok(response)
}

/// A file to download: the answer of the export endpoint.
pub struct Download {
    pub content_type: &'static str,
    /// ASCII file name for `Content-Disposition`.
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Runs a handler that answers with a file; errors are JSON as usual.
pub async fn respond_file(handler: impl Future<Output = std::result::Result<Download, AppError>>) -> Result<Response> {
    match handler.await {
        Ok(file) => {
            let mut response = Response::from_bytes(file.bytes)?;
            let headers = response.headers_mut();
            headers.set("Content-Type", file.content_type)?;
            headers.set("Content-Disposition", &format!("attachment; filename=\"{}\"", file.filename))?;
            headers.set("Cache-Control", "no-store")?;
            headers.set("X-Content-Type-Options", "nosniff")?;
            headers.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")?;
            Ok(response)
        }
        Err(error) => respond::<(), crate::http::Json<()>>(async { Err(error) }).await,
    }
}

/// Reads the raw body, refusing bodies over `limit` bytes (checked against
/// `Content-Length` first, so an oversized upload is refused before it is read).
pub async fn read_bytes(req: &mut Request, limit: usize) -> std::result::Result<Vec<u8>, AppError> {
    let too_large =
        |bytes: usize| AppError::Import(ybt_core::import::ImportFailure::File(ybt_core::import::FileError::TooLarge { bytes, max: limit }));
    let declared = req.headers().get("Content-Length")?.and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = declared.filter(|n| *n > limit) {
        return Err(too_large(n));
    }
    let bytes = req.bytes().await?;
    if bytes.len() > limit {
        return Err(too_large(bytes.len()));
    }
    Ok(bytes)
}

/// Reads the body as JSON, refusing bodies over [`MAX_BODY_BYTES`].
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> std::result::Result<T, AppError> {
    let declared = req.headers().get("Content-Length")?.and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(AppError::BodyTooLarge { limit: MAX_BODY_BYTES });
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(AppError::BodyTooLarge { limit: MAX_BODY_BYTES });
    }
    if json_too_deep(&bytes, MAX_JSON_DEPTH) {
        return Err(AppError::TooDeep { limit: MAX_JSON_DEPTH });
    }
    serde_json::from_slice(&bytes).map_err(|e| AppError::MalformedJson(e.to_string()))
}

/// A JSON body handed to a use case, which reads it once its checks that
/// need no body have passed. A body [`read_json`] refuses is answered as
/// it refuses it: the handler passes the use case's error through
/// [`JsonBody::answer`].
pub struct JsonBody<'r> {
    req: &'r mut Request,
    refused: &'r Cell<Option<AppError>>,
}

impl<'r> JsonBody<'r> {
    pub fn new(req: &'r mut Request, refused: &'r Cell<Option<AppError>>) -> JsonBody<'r> {
        JsonBody { req, refused }
    }

    /// The answer to a failed use case: the body's refusal, if that was it.
    pub fn answer(refused: &Cell<Option<AppError>>, error: ServiceError) -> AppError {
        refused.take().unwrap_or_else(|| error.into())
    }
}

impl<T: DeserializeOwned> Body<T> for JsonBody<'_> {
    async fn read(self) -> std::result::Result<T, ServiceError> {
        read_json(self.req).await.map_err(|e| {
            let detail = e.to_string();
            self.refused.set(Some(e));
            ServiceError::Storage(detail)
        })
    }
}

/// The current time as RFC 3339, from the runtime's clock.
pub fn now_rfc3339() -> String {
    String::from(worker::js_sys::Date::new_0().to_iso_string())
}
