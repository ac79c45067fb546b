//! The input of one survey cell, by the field's type: photos and location
//! have their own widgets, numbers keep the typed text (the number is
//! parsed from it by core and never written back into the box).

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Value, json};
use ybt_core::compile::FieldPlan;
use ybt_core::survey::typed_number;
use yew::prelude::*;

use super::state::{Action, Note, SurveyState};
use crate::i18n::{Lang, tr};
use crate::survey_io;

/// What one cell's input needs.
pub struct CellContext<'a> {
    pub lang: Lang,
    pub field: &'a FieldPlan,
    pub value: Option<Value>,
    /// Text typed into a number box, if any.
    pub text: Option<String>,
    pub read_only: bool,
    pub row: usize,
    pub subject: String,
    pub dispatch: UseReducerDispatcher<SurveyState>,
    /// Where the field's messages are kept (`text_key`).
    pub note_key: String,
    pub previews: Rc<HashMap<String, String>>,
    pub invalid: bool,
}

fn set_note(dispatch: &UseReducerDispatcher<SurveyState>, key: &str, message: Option<(String, bool)>) {
    let note = message.map(|(text, error)| Note { text, error });
    dispatch.dispatch(Action::FieldNote { key: key.to_owned(), note });
}

/// The input of one cell, by the field's type: photos and location have
/// their own widgets, numbers keep the typed text.
pub fn cell_input(c: &CellContext<'_>) -> Html {
    let lang = c.lang;
    let field = c.field;
    let key = field.key.clone();
    let subject = c.subject.clone();
    let row = c.row;
    // Sets the cell's value (and, for number boxes, its text) on the row with this subject.
    let set = {
        let (dispatch, key, subject) = (c.dispatch.clone(), key.clone(), subject.clone());
        Callback::from(move |(value, text): (Option<Value>, Option<String>)| {
            dispatch.dispatch(Action::SetCell { subject: subject.clone(), key: key.clone(), value, text })
        })
    };
    let shown = match &c.value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let described = format!("err-{}-{}", row, key);
    let aria_invalid = if c.invalid { "true" } else { "false" };
    if c.read_only && key != "photos" {
        return html! { <span class="prefilled" data-name={key}>{ shown }</span> };
    }
    match (field.key.as_str(), field.json_type.as_deref()) {
        ("photos", _) | (_, Some("array")) => photo_input(c, &set),
        ("location", _) | (_, Some("object")) => {
            let value = c.value.clone();
            let address = value.as_ref().and_then(|v| v.get("address")).and_then(Value::as_str).unwrap_or_default().to_owned();
            let coords = value
                .as_ref()
                .and_then(|v| Some((v.get("lat")?.as_f64()?, v.get("lng")?.as_f64()?)))
                .map(|(a, b)| format!("{a:.5}, {b:.5}"));
            let on_locate = {
                let (set, value, notes, note_key) = (set.clone(), value.clone(), c.dispatch.clone(), c.note_key.clone());
                Callback::from(move |_: MouseEvent| {
                    let (set, value, notes, note_key) = (set.clone(), value.clone(), notes.clone(), note_key.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        match survey_io::locate().await {
                            Ok((lat, lng, accuracy)) => {
                                let mut v = value.and_then(|v| v.as_object().cloned()).unwrap_or_default();
                                v.insert("lat".into(), json!(lat));
                                v.insert("lng".into(), json!(lng));
                                v.insert("accuracy_m".into(), json!(accuracy.round()));
                                set_note(&notes, &note_key, None);
                                set.emit((Some(Value::Object(v)), None));
                            }
                            Err(e) => set_note(&notes, &note_key, Some((e, true))),
                        }
                    });
                })
            };
            let on_address = {
                let (set, value) = (set.clone(), value.clone());
                Callback::from(move |e: InputEvent| {
                    let text = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                    let mut v = value.clone().and_then(|v| v.as_object().cloned()).unwrap_or_default();
                    if text.trim().is_empty() {
                        v.remove("address");
                    } else {
                        v.insert("address".into(), json!(text));
                    }
                    set.emit(((!v.is_empty()).then_some(Value::Object(v)), None));
                })
            };
            html! {
                <span class="location">
                    <button class="locate secondary" onclick={on_locate}>{ tr(lang, "定位", "Locate") }</button>
                    <span class="coords">{ coords.unwrap_or_default() }</span>
                    <input key="address" class="address" aria-label={format!("{}{}", field.title, tr(lang, "（地址）", " (address)"))}
                        aria-describedby={described} aria-invalid={aria_invalid}
                        placeholder={tr(lang, "或填写地址", "or the address")} value={address} oninput={on_address} />
                </span>
            }
        }
        (_, Some(kind @ ("integer" | "number"))) => {
            let integer = kind == "integer";
            let text = c.text.clone().unwrap_or(shown);
            let on_input = Callback::from(move |e: InputEvent| {
                let text = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                set.emit((typed_number(&text, integer), Some(text)));
            });
            html! {
                <input key="number" type="text" inputmode={if integer { "numeric" } else { "decimal" }} name={key}
                    aria-label={field.title.clone()} aria-describedby={described} aria-invalid={aria_invalid}
                    autocomplete="off" value={text} oninput={on_input} />
            }
        }
        _ if !field.options.is_empty() => {
            let on_change = Callback::from(move |e: Event| {
                let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                set.emit(((!v.is_empty()).then(|| json!(v)), None));
            });
            html! {
                <select key="select" name={key} aria-label={field.title.clone()} aria-describedby={described} aria-invalid={aria_invalid} onchange={on_change}>
                    <option value="" selected={shown.is_empty()}>{ tr(lang, "请选择", "choose") }</option>
                    { for field.options.iter().map(|o| html! { <option value={o.clone()} selected={*o == shown}>{ o }</option> }) }
                </select>
            }
        }
        _ => {
            let on_input = Callback::from(move |e: InputEvent| {
                let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                set.emit(((!v.is_empty()).then(|| json!(v)), None));
            });
            html! {
                <input key="text" name={key} aria-label={field.title.clone()} aria-describedby={described} aria-invalid={aria_invalid}
                    value={shown} oninput={on_input} />
            }
        }
    }
}

/// Photos of one cell: a thumbnail per photo (from the copy on this device
/// when there is one) with its own remove button, and the camera input.
/// Each new photo is resized, checked against the room left on the device
/// and kept in IndexedDB before the row names it.
fn photo_input(c: &CellContext<'_>, set: &Callback<(Option<Value>, Option<String>)>) -> Html {
    let lang = c.lang;
    let hashes: Vec<String> = c
        .value
        .as_ref()
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let on_change = {
        let (set, hashes, notes, note_key) = (set.clone(), hashes.clone(), c.dispatch.clone(), c.note_key.clone());
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
            let files: Vec<web_sys::File> =
                input.files().map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
            input.set_value("");
            if files.is_empty() {
                return;
            }
            let (set, mut hashes, notes, note_key) = (set.clone(), hashes.clone(), notes.clone(), note_key.clone());
            set_note(&notes, &note_key, Some((tr(lang, "正在压缩照片…", "resizing…").into(), false)));
            wasm_bindgen_futures::spawn_local(async move {
                let mut message = None;
                for file in files {
                    let kept = match survey_io::resize(&file).await {
                        Ok(photo) => survey_io::keep_photo(&photo).await.map(|()| photo),
                        Err(e) => Err(e),
                    };
                    match kept {
                        Ok(photo) => {
                            let (from, to) = ((photo.original_bytes / 1024.0).round(), photo.bytes.len() / 1024);
                            message = Some((
                                match lang {
                                    Lang::Zh => format!("照片已压缩并存在本机：{from} KB → {to} KB"),
                                    Lang::En => format!("photo resized and kept on this device: {from} KB → {to} KB"),
                                },
                                false,
                            ));
                            if !hashes.contains(&photo.hash) {
                                hashes.push(photo.hash);
                            }
                            set.emit((Some(json!(hashes)), None));
                        }
                        Err(e) => {
                            message = Some((e, true));
                            break;
                        }
                    }
                }
                set_note(&notes, &note_key, message);
            });
        })
    };
    let thumbs = hashes.iter().enumerate().map(|(n, h)| {
        let src = c.previews.get(h).cloned().unwrap_or_default();
        let remove = {
            let (set, hashes, h) = (set.clone(), hashes.clone(), h.clone());
            Callback::from(move |_: MouseEvent| {
                let rest: Vec<&String> = hashes.iter().filter(|x| **x != h).collect();
                set.emit(((!rest.is_empty()).then(|| json!(rest)), None));
                let h = h.clone();
                wasm_bindgen_futures::spawn_local(async move { survey_io::forget_photo(&h).await });
            })
        };
        html! {
            <span key={h.clone()} class="thumb-box">
                if !src.is_empty() { <img class="thumb" data-hash={h.clone()} src={src} alt={format!("{} {}", tr(lang, "照片", "photo"), n + 1)} /> }
                if !c.read_only {
                    <button class="remove-photo" aria-label={format!("{} {}", tr(lang, "删除照片", "remove photo"), n + 1)} onclick={remove}>{ "×" }</button>
                }
            </span>
        }
    });
    html! {
        <span class="photos">
            { for thumbs }
            if !c.read_only {
                <label class="photo-add secondary">{ tr(lang, "拍照 / 选照片", "Take / choose photos") }
                    <input key="file" type="file" class="photo-input" accept="image/*" multiple={true} onchange={on_change} />
                </label>
            }
        </span>
    }
}
