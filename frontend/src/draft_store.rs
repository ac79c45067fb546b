//! This browser's copy of each task's draft, in localStorage under
//! `ybt-draft:{task id}`: it survives a closed tab, a reload and a lost
//! connection, and carries the submission id so a retried submit reuses it.

use serde::{Deserialize, Serialize};
use ybt_core::api::{Draft, SubmittedRow};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalDraft {
    /// The idempotency key of this draft's submit, chosen once.
    pub submission_id: String,
    /// Typed values, new fields only.
    pub rows: Vec<SubmittedRow>,
    /// The server draft these rows were last synced with (0: none), and
    /// its rows: the base of a merge when the server moved on.
    pub base_revision: u32,
    pub base_rows: Vec<SubmittedRow>,
    /// Whether `rows` differ from what the server has.
    pub unsynced: bool,
    pub corrected_cells: u32,
}

impl LocalDraft {
    pub fn fresh(submission_id: String) -> LocalDraft {
        LocalDraft { submission_id, rows: Vec::new(), base_revision: 0, base_rows: Vec::new(), unsynced: false, corrected_cells: 0 }
    }

    /// Takes the server's draft as the new base.
    pub fn synced_with(&mut self, draft: &Draft) {
        self.base_revision = draft.revision;
        self.base_rows = draft.rows.clone();
    }
}

/// What to start from: this browser's copy, the server's draft, or both
/// merged when the server's is newer than the one ours was based on.
pub fn reconcile(local: Option<LocalDraft>, server: Option<&Draft>, new_id: impl FnOnce() -> String) -> LocalDraft {
    match (local, server) {
        (Some(mut local), Some(server)) if server.revision > local.base_revision => {
            local.rows = ybt_core::drafts::merge(&local.base_rows, &local.rows, &server.rows);
            local.unsynced = local.rows != server.rows;
            local.synced_with(server);
            local
        }
        (Some(local), _) => local,
        (None, Some(server)) => {
            let mut draft = LocalDraft::fresh(new_id());
            draft.rows = server.rows.clone();
            draft.synced_with(server);
            draft
        }
        (None, None) => LocalDraft::fresh(new_id()),
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn key(task_id: &str) -> String {
    format!("ybt-draft:{task_id}")
}

pub fn load(task_id: &str) -> Option<LocalDraft> {
    let text = storage()?.get_item(&key(task_id)).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

/// Stores the draft; false when the browser refuses (private mode, full).
pub fn save(task_id: &str, draft: &LocalDraft) -> bool {
    let Some(storage) = storage() else { return false };
    serde_json::to_string(draft).is_ok_and(|text| storage.set_item(&key(task_id), &text).is_ok())
}

pub fn remove(task_id: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&key(task_id));
    }
}

/// Prefixes of the localStorage keys that hold what a user typed about
/// people: task drafts, and the survey forms, rows, outbox and photos.
const PERSONAL_PREFIXES: [&str; 2] = ["ybt-draft:", "ybt-survey-"];

/// Removes everything this browser keeps of the signed-in user's work
/// (drafts, survey outbox and photos): on sign-out, so that a shared
/// village PC keeps nothing personal. The server keeps synced drafts.
pub fn forget_all() {
    let Some(storage) = storage() else { return };
    let count = storage.length().unwrap_or(0);
    let keys: Vec<String> =
        (0..count).filter_map(|i| storage.key(i).ok().flatten()).filter(|k| PERSONAL_PREFIXES.iter().any(|p| k.starts_with(p))).collect();
    for key in keys {
        let _ = storage.remove_item(&key);
    }
}

pub fn new_submission_id() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("{:x}-{:x}", (js_sys::Math::random() * 1e15) as u64, (js_sys::Math::random() * 1e15) as u64))
}

/// Whether the browser believes it is online.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}
