//! The Yew apps. One library, one `App`, several bundles (issue 14): the
//! village app (`bin/village.rs`: sign-in, inbox, task form, survey filling,
//! the offline outbox) and the office app's page families (`bin/office.rs`,
//! `bin/authoring.rs`, `bin/ledger.rs`; `route::Entry`). Each bundle links
//! only the pages its `Pages` names, so the village wasm carries no office
//! page and no template compiler (forms arrive with their compiled plan),
//! and an office user downloads a family when opening one of its pages.

mod api;
mod app;
mod catalog;
mod components;
mod draft_store;
mod draft_sync;
mod form_state;
mod hooks;
mod i18n;
mod pages;
mod route;
mod survey_io;
mod timer;

use app::{App, AppProps, Pages};
use route::Entry;

/// Starts the village app.
pub fn start_village() {
    start(Pages { render: pages::village_page, here: Entry::Village });
}

/// Starts the office app's home family.
pub fn start_office() {
    start(Pages { render: pages::office_page, here: Entry::Office });
}

/// Starts the office app's authoring family.
pub fn start_authoring() {
    start(Pages { render: pages::authoring_page, here: Entry::Authoring });
}

/// Starts the office app's review family.
pub fn start_review() {
    start(Pages { render: pages::review_page, here: Entry::Review });
}

/// Starts the office app's surveys family.
pub fn start_surveys() {
    start(Pages { render: pages::surveys_page, here: Entry::Surveys });
}

/// Starts the office app's ledger family.
pub fn start_ledger() {
    start(Pages { render: pages::ledger_page, here: Entry::Ledger });
}

fn start(pages: Pages) {
    // index.html paints a static shell in #app while this wasm downloads;
    // the app takes that element over. A sign-in form in use there is left
    // for the app's sign-in page to take over with what was typed
    // (`pages::login`).
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    let handover = pages::login::Handover::claim();
    match root {
        Some(root) => {
            // Yew empties the element it renders into: beside a form in use,
            // that is a new one (`Handover::host`).
            let root = match &handover {
                Some(handover) => handover.host(&root).unwrap_or(root),
                None => root,
            };
            yew::Renderer::<App>::with_root_and_props(root, AppProps { pages, handover }).render();
        }
        None => {
            yew::Renderer::<App>::with_props(AppProps { pages, handover }).render();
        }
    }
}
