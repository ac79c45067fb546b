//! The outbox: whole submissions queued in `localStorage` per user, and the
//! sync that sends them (photos first) with backoff, announcing its state.

use serde::{Deserialize, Serialize};
use ybt_core::FieldError;
use ybt_core::api::SubmissionRequest;

use super::photos::{delete_photo, photo_bytes};
use super::{EVENT, STATE, load, remove, save, user};
use crate::api::ApiFailure;
use crate::timer::Timeout;

/// Retries after a failure wait 5 s, 10 s, 20 s … at most 2 minutes.
const FIRST_RETRY_MS: i32 = 5_000;
const MAX_RETRY_MS: i32 = 120_000;
const LEGACY_OUTBOX: &str = "ybt-survey-outbox";

fn outbox_key(user: &str) -> String {
    format!("ybt-survey-outbox:{user}")
}

fn outcomes_key(user: &str) -> String {
    format!("ybt-survey-sent:{user}")
}

/// The outbox of the version before photos moved to IndexedDB, if any,
/// becomes the current user's (its photos are still read from there).
pub(super) fn adopt_legacy(user: &str) {
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

pub(super) fn notify() {
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

/// Drops a kept photo (removed by staff, or sent). Photos still named by a
/// queued submission are kept.
pub async fn forget_photo(hash: &str) {
    if !outbox().iter().any(|q| photos_of(&q.request).iter().any(|h| h == hash)) {
        delete_photo(hash).await;
    }
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
