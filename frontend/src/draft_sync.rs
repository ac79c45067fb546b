//! Keeping a task's draft on the server in step with this browser's copy:
//! each save is made over the revision last seen; when the server has a
//! newer draft (another tab or device), the two are merged by core
//! (`drafts::merge`: our changes win, theirs fill the rest), the form
//! adopts the result and it is saved again over the newer revision.

use std::cell::RefCell;
use std::rc::Rc;

use ybt_core::api::SaveDraftRequest;
use ybt_core::messages::Text;
use yew::prelude::*;

use crate::api::{self, ApiFailure, Conflict};
use crate::components::sync_badge::SyncState;
use crate::draft_store::{self, LocalDraft};
use crate::form_state::{FormAction, FormHolder, Holder};

/// This browser's draft of the open task (none once submitted).
pub type SharedDraft = Rc<RefCell<Option<LocalDraft>>>;

/// Saves the typed values on this device.
pub fn save_locally(task_id: &str, shared: &SharedDraft, rows: Vec<ybt_core::api::SubmittedRow>, corrected_cells: u32) -> bool {
    let mut slot = shared.borrow_mut();
    let Some(draft) = slot.as_mut() else { return false };
    if draft.rows != rows || draft.corrected_cells != corrected_cells {
        draft.rows = rows;
        draft.corrected_cells = corrected_cells;
        draft.unsynced = true;
    }
    draft_store::save(task_id, draft)
}

/// Sends the local draft to the server if it has unsynced changes.
pub async fn push(task_id: String, shared: SharedDraft, sync: UseStateHandle<SyncState>, dispatcher: UseReducerDispatcher<FormHolder>) {
    // Two rounds at most: a stale answer is merged and saved once more.
    for _ in 0..2 {
        let Some((base_revision, rows)) = shared.borrow().as_ref().filter(|d| d.unsynced).map(|d| (d.base_revision, d.rows.clone())) else {
            return;
        };
        if !draft_store::online() {
            sync.set(SyncState::Offline);
            return;
        }
        sync.set(SyncState::Syncing);
        match api::save_draft(&task_id, &SaveDraftRequest { base_revision, rows: rows.clone() }).await {
            Ok(saved) => {
                let mut slot = shared.borrow_mut();
                let Some(draft) = slot.as_mut() else { return };
                draft.synced_with(&saved);
                draft.unsynced = draft.rows != rows;
                draft_store::save(&task_id, draft);
                sync.set(if draft.unsynced { SyncState::SavedLocally } else { SyncState::Synced });
                return;
            }
            Err(Conflict::Stale { current, .. }) => {
                let (local, merged) = {
                    let mut slot = shared.borrow_mut();
                    let Some(draft) = slot.as_mut() else { return };
                    let local = draft.rows.clone();
                    draft.rows = ybt_core::drafts::merge(&draft.base_rows, &draft.rows, &current.rows);
                    draft.synced_with(&current);
                    draft.unsynced = draft.rows != current.rows;
                    draft_store::save(&task_id, draft);
                    (local, draft.rows.clone())
                };
                // Keys typed while the save was on its way stay (the form
                // merges once more against `local`).
                dispatcher.dispatch(Holder::Act(FormAction::Adopt { local, merged }));
            }
            Err(Conflict::Other(ApiFailure::Network { .. })) => {
                sync.set(SyncState::Offline);
                return;
            }
            Err(Conflict::Other(failure)) => {
                sync.set(SyncState::SavedLocally);
                dispatcher.dispatch(Holder::Act(FormAction::Failed(failure.message())));
                return;
            }
        }
    }
    sync.set(SyncState::SavedLocally);
}

/// The message for a submit whose answer never came.
pub fn retry_message() -> Text {
    use crate::i18n::{Lang, tr};
    Text::new(
        tr(
            Lang::Zh,
            "网络中断，提交结果未知。可放心重试：同一编号不会重复提交。",
            "The connection dropped; the result is unknown. Retrying is safe: the same id is never stored twice.",
        ),
        tr(
            Lang::En,
            "网络中断，提交结果未知。可放心重试：同一编号不会重复提交。",
            "The connection dropped; the result is unknown. Retrying is safe: the same id is never stored twice.",
        ),
    )
}
