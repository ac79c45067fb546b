//! One cell of a form: a read-only pre-filled value with its provenance, or
//! a control for a new field, with its message beside it.
//!
//! The control lives as long as its cell. Yew diffs unkeyed children from
//! the end, so a child that comes and goes (an error that appears) would
//! replace its siblings: every cell therefore renders the same elements in
//! the same order whatever its state — the message box is always there,
//! empty when there is nothing to say — and only attributes and text change.
//! Focus, caret, selection and an input method's composition survive.
//!
//! What staff typed is the input's state: it goes to the form's state as
//! text, exactly, and is parsed there; nothing is written back into the box
//! while a person types. During an IME composition (`compositionstart` …
//! `compositionend`) nothing is sent at all: the committed text is.

use std::rc::Rc;

use serde_json::Value;
use wasm_bindgen::JsCast;
use ybt_core::api::Provenance;
use ybt_core::compile::{FieldPlan, InputKind};
use yew::prelude::*;

use crate::i18n::{Lang, tr};
use crate::timer::ElementListener;

/// How the cell is laid out: a table cell (wide screens) or a labelled
/// field in a subject's card (phones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Table,
    Card,
}

/// An edit of a cell: row, field key, the text as typed, and whether the
/// browser holds input it could not read (an impossible date).
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub row: usize,
    pub key: String,
    pub raw: String,
    pub bad_input: bool,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub row: usize,
    pub field: Rc<FieldPlan>,
    pub value: Option<Value>,
    /// What staff typed, for new fields.
    pub raw: Option<String>,
    pub provenance: Option<Provenance>,
    pub error: Option<String>,
    pub disabled: bool,
    pub on_edit: Callback<Edit>,
    /// Whom the row is about, for accessible names ("联系电话 · 张三").
    #[prop_or_default]
    pub subject: AttrValue,
    #[prop_or(Layout::Table)]
    pub layout: Layout,
    /// The form's org unit (code, name): an org code shown as its name.
    #[prop_or_default]
    pub org_unit: Option<(AttrValue, AttrValue)>,
    /// Opens the correction of a pre-filled value; none when the cell
    /// cannot be corrected (no ledger record to write to).
    #[prop_or_default]
    pub on_correct: Option<Callback<(usize, String)>>,
}

pub fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "是".to_owned(),
        Value::Bool(false) => "否".to_owned(),
        Value::Array(items) => items.iter().map(display).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

/// Where a pre-filled value came from, in words: the ledger item's title,
/// when it last changed (Beijing time) and who changed it.
pub fn provenance_text(lang: Lang, field_title: &str, p: &Provenance) -> String {
    let item = crate::catalog::item_title(&p.item).unwrap_or_else(|| field_title.to_owned());
    let when = ybt_core::time::beijing(&p.updated_at);
    match lang {
        Lang::Zh => format!("来自台账「{item}」· {when} 由 {} 更新", p.updated_by),
        Lang::En => format!("From the ledger ({item}) · updated {when} by {}", p.updated_by),
    }
}

/// The ids of a cell's control and of the elements that describe it.
pub fn input_id(row: usize, key: &str) -> String {
    format!("input-{row}-{key}")
}

fn message_id(row: usize, key: &str) -> String {
    format!("msg-{row}-{key}")
}

#[function_component(Cell)]
pub fn cell(props: &Props) -> Html {
    let composing = use_mut_ref(|| false);
    let control_ref = use_node_ref();
    // While an input method composes, nothing is sent; its commit is. Yew
    // has no attribute for composition events: listen on the element, which
    // lives as long as the cell.
    {
        let (control_ref, composing, on_edit, row, key) =
            (control_ref.clone(), composing.clone(), props.on_edit.clone(), props.row, props.field.key.clone());
        use_effect_with((), move |_| {
            let listeners = control_ref.cast::<web_sys::Element>().map(|element| {
                let target: web_sys::EventTarget = element.into();
                let start = {
                    let composing = composing.clone();
                    ElementListener::new(target.clone(), "compositionstart", move |_| *composing.borrow_mut() = true)
                };
                let end = ElementListener::new(target, "compositionend", move |e: web_sys::Event| {
                    *composing.borrow_mut() = false;
                    if let Some(element) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
                        let (raw, bad_input) = read_control(&element);
                        on_edit.emit(Edit { row, key: key.clone(), raw, bad_input });
                    }
                });
                (start, end)
            });
            move || drop(listeners)
        });
    }
    let field = &props.field;
    let (row, key) = (props.row, field.key.clone());
    let id = format!("cell-{row}-{key}");
    let msg_id = message_id(row, &key);
    let card = props.layout == Layout::Card;
    let label = html! { <span class="field-label">{ &field.title }{ if field.required && field.is_new() { " *" } else { "" } }</span> };
    // Always present, so the elements around the control never change.
    let message = html! {
        <div class="cell-error" id={msg_id.clone()} title={props.error.clone()}>{ props.error.clone().unwrap_or_default() }</div>
    };
    let shown = || {
        let text = props.value.as_ref().map(display).unwrap_or_default();
        match &props.org_unit {
            Some((code, name)) if text == code.as_str() => (name.to_string(), Some(text)),
            _ => (text, None),
        }
    };

    if field.is_computed() {
        let (text, _) = shown();
        let body = html! { <><span class="value">{ text }</span>{ message }</> };
        return if card {
            html! { <div class="card-field computed" id={id} data-source="computed">{ label }{ body }</div> }
        } else {
            html! { <td class="cell computed" id={id} data-source="computed" title={tr(props.lang, "自动计算", "computed")}>{ body }</td> }
        };
    }

    if !field.is_new() {
        let title = props.provenance.as_ref().map(|p| provenance_text(props.lang, &field.title, p));
        let (text, code) = shown();
        let correct = match &props.on_correct {
            Some(on_correct) => {
                let onclick = on_correct.reform({
                    let key = key.clone();
                    move |_: MouseEvent| (row, key.clone())
                });
                let name = format!("{} {}{}", tr(props.lang, "更正", "Correct"), field.title, subject_suffix(&props.subject));
                html! {
                    <button class="correct" type="button" aria-label={name} title={title.clone()} disabled={props.disabled} {onclick}>
                        <span aria-hidden="true">{ "✎" }</span><span class="correct-text">{ tr(props.lang, "更正", "Correct") }</span>
                    </button>
                }
            }
            None => html! { <span class="correct-none"></span> },
        };
        let value = html! { <span class="value" title={code.or(title.clone())}>{ text }</span> };
        let provenance = if card {
            html! { <span class="provenance">{ title.clone().unwrap_or_default() }</span> }
        } else {
            html! {}
        };
        let data_record = props.provenance.as_ref().map(|p| p.record_id.clone());
        let data_version = props.provenance.as_ref().map(|p| p.record_version.to_string());
        return if card {
            html! {
                <div class="card-field prefilled" id={id} data-source="ledger" data-record={data_record} data-version={data_version}>
                    { label }{ value }{ correct }{ provenance }{ message }
                </div>
            }
        } else {
            html! {
                <td class="cell prefilled" id={id} title={title} data-source="ledger" data-record={data_record} data-version={data_version}>
                    { value }{ correct }{ message }
                </td>
            }
        };
    }

    let kind = field.input_kind();
    let current = props.raw.clone().or_else(|| props.value.as_ref().map(|v| raw_of(kind, v))).unwrap_or_default();
    let accessible_name = format!("{}{}", field.title, subject_suffix(&props.subject));
    let counter = field.max_length.map(|max| {
        let used = current.chars().count();
        html! {
            <span class={classes!("counter", (used as u64 >= max).then_some("full"))} id={format!("cnt-{row}-{key}")}>
                { format!("{used}/{max}") }
            </span>
        }
    });
    let described = match field.max_length {
        Some(_) => format!("{msg_id} cnt-{row}-{key}"),
        None => msg_id.clone(),
    };
    let (input_type, inputmode) = kind.html_type();
    let emit = {
        let (on_edit, key) = (props.on_edit.clone(), key.clone());
        move |raw: String, bad_input: bool| on_edit.emit(Edit { row, key: key.clone(), raw, bad_input })
    };
    let control = match kind {
        InputKind::Select | InputKind::Boolean => {
            let options: Vec<(String, String)> = if kind == InputKind::Boolean {
                vec![("true".into(), tr(props.lang, "是", "Yes").into()), ("false".into(), tr(props.lang, "否", "No").into())]
            } else {
                field.options.iter().map(|o| (o.clone(), o.clone())).collect()
            };
            let onchange = Callback::from(move |e: Event| {
                let target: web_sys::HtmlSelectElement = e.target_unchecked_into();
                emit(target.value(), false);
            });
            html! {
                <select id={input_id(row, &key)} name={key.clone()} {onchange} disabled={props.disabled}
                    aria-label={accessible_name} aria-required={field.required.to_string()}
                    aria-invalid={props.error.is_some().to_string()} aria-describedby={described}>
                    <option value="" selected={current.is_empty()}>{ tr(props.lang, "请选择", "Choose") }</option>
                    { for options.into_iter().map(|(value, text)| {
                        let selected = value == current;
                        html! { <option {value} {selected}>{ text }</option> }
                    }) }
                </select>
            }
        }
        _ => {
            let on_text = {
                let (emit, composing) = (emit.clone(), composing.clone());
                move |target: web_sys::HtmlElement| {
                    if *composing.borrow() {
                        return;
                    }
                    let (raw, bad) = read_control(&target);
                    emit(raw, bad);
                }
            };
            let oninput = {
                let on_text = on_text.clone();
                Callback::from(move |e: InputEvent| {
                    if e.is_composing() {
                        return;
                    }
                    on_text(e.target_unchecked_into());
                })
            };
            // Dates picked from a calendar may arrive as `change` only.
            let onchange = {
                let on_text = on_text.clone();
                Callback::from(move |e: Event| on_text(e.target_unchecked_into()))
            };
            // A date the browser cannot read fires no `input` (its value
            // stays ""): leaving the box says whether it holds one.
            let onfocusout = {
                let on_text = on_text.clone();
                Callback::from(move |e: FocusEvent| {
                    if kind == InputKind::Date {
                        on_text(e.target_unchecked_into());
                    }
                })
            };
            let maxlength = field.max_length.map(|m| m.to_string());
            if kind == InputKind::TextArea {
                html! {
                    <textarea id={input_id(row, &key)} name={key.clone()} value={current.clone()} {oninput} {onchange}
                        ref={control_ref.clone()} disabled={props.disabled} maxlength={maxlength} rows="2"
                        aria-label={accessible_name} aria-required={field.required.to_string()}
                        aria-invalid={props.error.is_some().to_string()} aria-describedby={described} />
                }
            } else {
                html! {
                    <input id={input_id(row, &key)} type={input_type} inputmode={inputmode} name={key.clone()} value={current.clone()}
                        {oninput} {onchange} {onfocusout} ref={control_ref.clone()} disabled={props.disabled} maxlength={maxlength}
                        autocomplete="off" aria-label={accessible_name} aria-required={field.required.to_string()}
                        aria-invalid={props.error.is_some().to_string()} aria-describedby={described} />
                }
            }
        }
    };
    let counter = counter.unwrap_or_else(|| html! { <span class="counter-none"></span> });
    let class = classes!(if card { "card-field" } else { "cell" }, "new", props.error.is_some().then_some("invalid"));
    let help = field.ui.help.clone();
    if card {
        html! {
            <div {class} id={id} data-source="new">
                <label class="field-label" for={input_id(row, &key)} aria-hidden="true">
                    { &field.title }{ if field.required { " *" } else { "" } }
                </label>
                { control }{ counter }{ message }
                <span class="help">{ help.unwrap_or_default() }</span>
            </div>
        }
    } else {
        html! { <td {class} id={id} data-source="new" title={help}>{ control }{ counter }{ message }</td> }
    }
}

/// " · 张三" when the row has a subject, for names that say whose cell it is.
fn subject_suffix(subject: &AttrValue) -> String {
    if subject.is_empty() { String::new() } else { format!(" · {subject}") }
}

/// A stored value as the text its control shows.
fn raw_of(kind: InputKind, value: &Value) -> String {
    match (kind, value) {
        (InputKind::Boolean, Value::Bool(b)) => b.to_string(),
        (_, v) => display(v),
    }
}

/// The text of an input or textarea, and whether the browser holds input
/// it could not turn into a value (a date such as 02/30/2026).
fn read_control(target: &web_sys::HtmlElement) -> (String, bool) {
    if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        return (input.value(), input.validity().bad_input());
    }
    if let Some(area) = target.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        return (area.value(), false);
    }
    (String::new(), false)
}
