//! The Yew app village staff use. It validates with ybt-core compiled to
//! WebAssembly: the same code the worker runs on submit.

mod api;
mod app;
mod components;
mod form_state;
mod i18n;
mod pages;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
