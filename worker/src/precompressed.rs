//! The front-end's files sent as the build compressed them (issue 14).
//!
//! `cargo xtask build` stores beside each wasm bundle, script and style sheet
//! of `frontend/dist` a `FILE.br`: Brotli at its highest quality, a fifth
//! fewer bytes than the gzip the asset server sends on the fly (BENCHMARKS.md,
//! "The village app's first load"). The asset server sends a stored file as a
//! file, so these requests run the worker first (`run_worker_first` in
//! wrangler.toml), which answers with the stored Brotli bytes as they are
//! (`encodeBody: "manual"`, `Content-Encoding: br`). The worker does not
//! negotiate: Cloudflare's front line hands every worker `Accept-Encoding: br,
//! gzip` and re-encodes an answer for a client that accepts only gzip or
//! nothing (miniflare does the same locally), so a browser with Brotli —
//! every browser the users have — gets these bytes. Conditional requests pass
//! through: the stored file's `ETag` answers its own `If-None-Match`.

use worker::{EncodeBody, Env, Request, RequestInit, Response, Result};

/// A request outside `/api/` that reached the worker (wrangler.toml's
/// `run_worker_first` patterns): the stored Brotli file of a wasm, script or
/// style sheet, or else the asset server's answer as without the worker.
pub async fn serve(req: Request, env: &Env) -> Result<Response> {
    match content_type(&req.path()) {
        Some(content_type) => send(req, env, content_type).await,
        None => env.assets("ASSETS")?.fetch_request(req).await,
    }
}

/// The content type of a file the build stores precompressed, by the name it
/// is asked for (a file at the top of `frontend/dist`); `None` for any other.
fn content_type(path: &str) -> Option<&'static str> {
    let name = path.strip_prefix('/').filter(|name| !name.contains('/'))?;
    let (_, extension) = name.rsplit_once('.')?;
    match extension {
        "wasm" => Some("application/wasm"),
        "js" => Some("text/javascript; charset=utf-8"),
        "css" => Some("text/css; charset=utf-8"),
        _ => None,
    }
}

async fn send(req: Request, env: &Env, content_type: &str) -> Result<Response> {
    let assets = env.assets("ASSETS")?;
    let mut url = req.url()?;
    url.set_path(&format!("{}.br", req.path()));
    let mut init = RequestInit::new();
    init.with_headers(req.headers().clone());
    let stored = assets.fetch_request(Request::new_with_init(url.as_str(), &init)?).await?;
    // The asset server answers a missing file with the app's page (a
    // single-page app's fallback): then the build stored no Brotli file for
    // this name, and the asset server answers the request itself.
    let html = stored.headers().get("Content-Type")?.is_some_and(|t| t.starts_with("text/html"));
    if html || !matches!(stored.status_code(), 200 | 304) {
        return plain(assets.fetch_request(req).await?);
    }
    let headers = stored.headers().clone();
    headers.set("Content-Type", content_type)?;
    headers.set("Content-Encoding", "br")?;
    headers.set("Vary", "Accept-Encoding")?;
    Ok(Response::from_body(stored.body().clone())?
        .with_status(stored.status_code())
        .with_headers(headers)
        .with_encode_body(EncodeBody::Manual))
}

/// The asset server's answer, marked as one that depends on `Accept-Encoding`
/// as the Brotli answer is (a cache keeps them apart).
fn plain(response: Response) -> Result<Response> {
    let headers = response.headers().clone();
    headers.set("Vary", "Accept-Encoding")?;
    Ok(Response::from_body(response.body().clone())?.with_status(response.status_code()).with_headers(headers))
}
