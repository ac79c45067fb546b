//! Hooks shared by pages and components.

use yew::prelude::*;

use crate::timer::WindowListener;

/// Renders the component again whenever `event` fires on the window (the
/// survey outbox announces each change of its state so).
#[hook]
pub fn use_window_event(event: &'static str) {
    let update = use_force_update();
    use_effect_with(event, move |event| {
        let listener = WindowListener::new(event, move || update.force_update());
        move || drop(listener)
    });
}
