//! The template text kept in this browser, and files offered for download.

use serde_json::Value;

pub fn pretty(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).unwrap_or_default()
}

/// This browser's copy of the template being built (`ybt-draft:` keys are
/// removed at sign-out with the other drafts).
pub fn draft_key(username: &str) -> String {
    format!("ybt-draft:authoring:{username}")
}

pub fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Some(document) = web_sys::window().and_then(|w| w.document())
        && let Ok(a) = document.create_element("a")
    {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", name);
        if let Ok(a) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(a) {
            a.click();
        }
    }
    // Revoked a minute later: revoking at once can cancel the download.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(wasm_bindgen::JsCast::unchecked_ref(&revoke), 60_000);
    }
}

/// The text to start from: this browser's draft when there is one (`true`),
/// else a blank template of the department.
pub fn initial_text(username: &str, department: &str) -> (String, bool) {
    let saved = storage().and_then(|s| s.get_item(&draft_key(username)).ok().flatten()).filter(|t| !t.trim().is_empty());
    match saved {
        Some(text) => (text, true),
        None => (pretty(&ybt_core::builder::blank("new-report", "新报表", department, "person", "")), false),
    }
}

/// Reads the file chosen in the input `e` came from as text, then calls `then`.
pub fn read_chosen(e: &web_sys::Event, then: impl FnOnce(String) + 'static) {
    let Some(input) = e.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) else { return };
    let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
            then(text.as_string().unwrap_or_default());
        }
    });
}
