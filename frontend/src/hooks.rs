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

/// The id of an element to focus after the next render (set it before an
/// edit that redraws the element, e.g. a moved field's button).
#[hook]
pub fn use_focus_after_render() -> std::rc::Rc<std::cell::RefCell<Option<String>>> {
    let focus_next = use_mut_ref(|| None::<String>);
    {
        let focus_next = focus_next.clone();
        use_effect(move || {
            if let Some(id) = focus_next.borrow_mut().take()
                && let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id))
                && let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el)
            {
                let _ = el.focus();
            }
        });
    }
    focus_next
}
