//! Where the draft is: only on this device, being synced, on the server,
//! or waiting for the connection to come back.

use yew::prelude::*;

use crate::i18n::{Key, Lang, t};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Nothing typed yet.
    Idle,
    SavedLocally,
    Syncing,
    Synced,
    Offline,
}

impl SyncState {
    fn key(self) -> Option<(Key, &'static str)> {
        match self {
            SyncState::Idle => None,
            SyncState::SavedLocally => Some((Key::SavedLocally, "local")),
            SyncState::Syncing => Some((Key::Syncing, "syncing")),
            SyncState::Synced => Some((Key::Synced, "synced")),
            SyncState::Offline => Some((Key::Offline, "offline")),
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub state: SyncState,
}

#[function_component(SyncBadge)]
pub fn sync_badge(props: &Props) -> Html {
    match props.state.key() {
        None => html! { <span class="sync" id="sync-state" data-state="idle"></span> },
        Some((key, name)) => html! {
            <span class={classes!("sync", name)} id="sync-state" data-state={name} role="status">{ t(props.lang, key) }</span>
        },
    }
}
