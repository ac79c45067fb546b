//! The Yew apps. Two bundles share this library (issue 14): the village app
//! (`bin/village.rs`: sign-in, inbox, task form, survey filling, the
//! offline outbox) and the office app (`bin/office.rs`: every page,
//! authoring with live compile among them). Each bundle links only the
//! pages its `Pages` names, so the village wasm carries no office page and
//! no template compiler: forms arrive with their compiled plan.

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

/// The office app's address: a village bundle opens the pages it lacks there
/// (same origin, so the session cookie carries over: no second sign-in).
pub const OFFICE_ENTRY: &str = "/office";

/// Starts the village app.
pub fn start_village() {
    start(Pages { render: pages::village_page, office_entry: Some(OFFICE_ENTRY) });
}

/// Starts the office app.
pub fn start_office() {
    start(Pages { render: pages::office_page, office_entry: None });
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
