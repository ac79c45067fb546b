//! The spreadsheet worker (issue 14): the half of the import and the
//! exports that needs calamine, zip, rust_xlsxwriter and encoding_rs, so
//! that the main worker links none of them. Two routes, the protocol of
//! `ybt_core::service::spreadsheets`: `POST /read` (a file's bytes → its
//! sheets as JSON) and `POST /xlsx` (an `XlsxJob` as JSON → the file).
//!
//! It trusts only its binding: it has no route and no workers.dev address
//! (`wrangler.toml`), so only the main worker's `SHEETS` binding reaches
//! it; it sees no session, no database and no secret, and everything it is
//! sent is already authorized and masked. It still bounds what it reads:
//! a file over the import's limit and a job over `MAX_JOB_BYTES` are
//! refused before the body is read, and a bad body is a 4xx, never a panic.

use std::cell::OnceCell;

use worker::{Context, Env, Request, Response, Result, event};
use ybt_core::export::XlsxJob;
use ybt_core::import::Limits;
use ybt_core::service::spreadsheets::{Failure, InProcess, MAX_JOB_BYTES, READ_PATH, XLSX_PATH};

thread_local! {
    /// The record types, read once per isolate.
    static SHEETS: OnceCell<Option<InProcess>> = const { OnceCell::new() };
}

#[event(fetch)]
async fn fetch(mut req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    if req.method() != worker::Method::Post || (path != READ_PATH && path != XLSX_PATH) {
        return refuse(404, Failure::BadRequest { reason: format!("no route {} {path}", req.method()) });
    }
    let limit = if path == READ_PATH { Limits::default().max_bytes } else { MAX_JOB_BYTES };
    let declared = req.headers().get("Content-Length")?.and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return refuse(413, Failure::BadRequest { reason: format!("body over {limit} bytes") });
    }
    let body = req.bytes().await?;
    if body.len() > limit {
        return refuse(413, Failure::BadRequest { reason: format!("body over {limit} bytes") });
    }
    let answer = SHEETS.with(|cell| {
        let Some(sheets) = cell.get_or_init(|| InProcess::new().ok()) else {
            return Err(Failure::Writer { reason: "the record types did not load".into() });
        };
        if path == READ_PATH {
            let read = sheets.read_now(&body, &Limits::default())?;
            serde_json::to_vec(&read).map(|json| (json, "application/json")).map_err(|e| Failure::Writer { reason: e.to_string() })
        } else {
            let job: XlsxJob<'_> =
                serde_json::from_slice(&body).map_err(|e| Failure::BadRequest { reason: format!("not an XLSX job: {e}") })?;
            Ok((sheets.xlsx_now(&job)?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        }
    });
    match answer {
        Ok((bytes, content_type)) => {
            let mut response = Response::from_bytes(bytes)?;
            response.headers_mut().set("Content-Type", content_type)?;
            Ok(response)
        }
        Err(failure @ Failure::BadRequest { .. }) => refuse(400, failure),
        Err(failure) => refuse(422, failure),
    }
}

/// A refusal in the protocol's words: the main worker maps it.
fn refuse(status: u16, failure: Failure) -> Result<Response> {
    Ok(Response::from_json(&failure)?.with_status(status))
}
