//! A browser timeout that is cancelled when dropped: debouncing is "drop
//! the previous one" (an effect's cleanup).

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

pub struct Timeout {
    handle: Option<i32>,
    _closure: Closure<dyn FnMut()>,
}

impl Timeout {
    pub fn new(millis: i32, f: impl FnOnce() + 'static) -> Timeout {
        let mut f = Some(f);
        let closure = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f();
            }
        });
        let handle = web_sys::window()
            .and_then(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), millis).ok());
        Timeout { handle, _closure: closure }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let (Some(handle), Some(window)) = (self.handle, web_sys::window()) {
            window.clear_timeout_with_handle(handle);
        }
    }
}

/// Listens to a window event (`online`, `offline`) until dropped.
pub struct WindowListener {
    event: &'static str,
    closure: Closure<dyn FnMut()>,
}

impl WindowListener {
    pub fn new(event: &'static str, f: impl FnMut() + 'static) -> WindowListener {
        let closure = Closure::<dyn FnMut()>::new(f);
        if let Some(window) = web_sys::window() {
            let _ = window.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        }
        WindowListener { event, closure }
    }
}

impl Drop for WindowListener {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
        }
    }
}

/// Listens to a document event (`visibilitychange`) until dropped.
pub struct DocumentListener {
    event: &'static str,
    closure: Closure<dyn FnMut()>,
}

impl DocumentListener {
    pub fn new(event: &'static str, f: impl FnMut() + 'static) -> DocumentListener {
        let closure = Closure::<dyn FnMut()>::new(f);
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let _ = document.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        }
        DocumentListener { event, closure }
    }
}

impl Drop for DocumentListener {
    fn drop(&mut self) {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let _ = document.remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
        }
    }
}

/// Listens to an event on one element until dropped (events Yew has no
/// attribute for, such as `compositionstart`).
pub struct ElementListener {
    target: web_sys::EventTarget,
    event: &'static str,
    closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl ElementListener {
    pub fn new(target: web_sys::EventTarget, event: &'static str, f: impl FnMut(web_sys::Event) + 'static) -> ElementListener {
        let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        ElementListener { target, event, closure }
    }
}

impl Drop for ElementListener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
    }
}

/// Calls `f` every `ms` milliseconds until dropped.
pub struct Interval {
    id: i32,
    _closure: Closure<dyn Fn()>,
}

impl Interval {
    pub fn new(ms: u32, f: impl Fn() + 'static) -> Option<Interval> {
        let window = web_sys::window()?;
        let closure = Closure::<dyn Fn()>::new(f);
        let id = window.set_interval_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), ms as i32).ok()?;
        Some(Interval { id, _closure: closure })
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_interval_with_handle(self.id);
        }
    }
}
