//! Where the draft is: only on this device, being synced, on the server,
//! or waiting for the connection to come back.

use yew::prelude::*;

use crate::i18n::{Lang, tr};

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
    fn label(self) -> Option<((&'static str, &'static str), &'static str)> {
        match self {
            SyncState::Idle => None,
            SyncState::SavedLocally => Some((("已保存到本机", "Saved on this device"), "local")),
            SyncState::Syncing => Some((("同步中…", "Syncing…"), "syncing")),
            SyncState::Synced => Some((("已同步", "Synced"), "synced")),
            SyncState::Offline => Some((("离线", "Offline"), "offline")),
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
    match props.state.label() {
        None => html! { <span class="sync" id="sync-state" data-state="idle"></span> },
        Some(((zh, en), name)) => html! {
            <span class={classes!("sync", name)} id="sync-state" data-state={name} role="status">{ tr(props.lang, zh, en) }</span>
        },
    }
}
