//! The Yew app village staff use. It validates with ybt-core compiled to
//! WebAssembly: the same code the worker runs on submit.

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

fn main() {
    // index.html paints a static shell in #app while this wasm downloads;
    // the app takes that element over.
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            root.set_inner_html("");
            yew::Renderer::<app::App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}
