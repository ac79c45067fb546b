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

mod outbox;
mod photos;

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

pub use outbox::*;
pub use photos::*;

use crate::timer::Timeout;

/// The event every change of the outbox is announced with.
pub const EVENT: &str = "ybt-outbox";

pub(crate) fn js(e: JsValue) -> String {
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
    if let Ok(text) = serde_json::to_string(value) {
        save_text(key, &text);
    }
}

/// Keeps JSON text as it is, for [`load`] to read.
pub fn save_text(key: &str, text: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, text);
    }
}

/// A survey's task, kept so that a reload offline reopens its page.
pub fn task_key(task: &str) -> String {
    format!("ybt-survey-task:{task}")
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

#[derive(Default)]
pub(crate) struct State {
    /// Whose outbox: the signed-in user's name.
    pub(crate) user: String,
    pub(crate) syncing: bool,
    /// Another sync was asked for while one ran.
    pub(crate) again: bool,
    /// The submission being sent now.
    pub(crate) sending: Option<String>,
    /// Failed attempts in a row, for the backoff.
    pub(crate) failures: u32,
    pub(crate) retry: Option<Timeout>,
    /// When the next retry is due (ms since the epoch), for the page to say.
    pub(crate) retry_at: Option<f64>,
}

thread_local! {
    pub(crate) static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Whose outbox the app works with: set when someone signs in (or is
/// remembered offline), cleared on sign-out.
pub fn set_user(user: &str) {
    STATE.with(|s| s.borrow_mut().user = user.to_owned());
    if !user.is_empty() {
        outbox::adopt_legacy(user);
        sync_soon();
    }
    outbox::notify();
}

pub(crate) fn user() -> String {
    STATE.with(|s| s.borrow().user.clone())
}
