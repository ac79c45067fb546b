//! One cell of a form: a read-only pre-filled value with its provenance, or
//! an input for a new field, with its error underneath.

use std::rc::Rc;

use serde_json::Value;
use ybt_core::api::Provenance;
use ybt_core::compile::FieldPlan;
use yew::prelude::*;

use crate::i18n::{Key, Lang, t};

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
    pub on_edit: Callback<(usize, String, String)>,
    /// Opens the correction of a pre-filled value; none when the cell
    /// cannot be corrected (no ledger record to write to).
    #[prop_or_default]
    pub on_correct: Option<Callback<(usize, String)>>,
}

pub fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(display).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

/// Where a pre-filled value came from, in one line: item, record, last
/// change and who made it.
pub fn provenance_text(lang: Lang, p: &Provenance) -> String {
    format!(
        "{}：{} · {} v{} · {} {} · {}",
        t(lang, Key::FromLedger),
        p.item,
        p.record_id,
        p.record_version,
        t(lang, Key::UpdatedAt),
        p.updated_at,
        p.updated_by
    )
}

#[function_component(Cell)]
pub fn cell(props: &Props) -> Html {
    let id = format!("cell-{}-{}", props.row, props.field.key);
    let error = props.error.as_ref().map(|e| html! { <div class="cell-error" role="alert">{ e }</div> });
    if props.field.is_computed() {
        let shown = props.value.as_ref().map(display).unwrap_or_default();
        return html! {
            <td class="cell computed" id={id} data-source="computed" title={t(props.lang, Key::Computed)}>
                <span class="value">{ shown }</span>{ error }
            </td>
        };
    }
    if !props.field.is_new() {
        let title = props.provenance.as_ref().map(|p| provenance_text(props.lang, p));
        let shown = props.value.as_ref().map(display).unwrap_or_default();
        let correct = props.on_correct.as_ref().map(|on_correct| {
            let (row, key) = (props.row, props.field.key.clone());
            let onclick = on_correct.reform(move |_: MouseEvent| (row, key.clone()));
            html! { <button class="correct" title={t(props.lang, Key::Correct)} disabled={props.disabled} {onclick}>{ "✎" }</button> }
        });
        return html! {
            <td class="cell prefilled" id={id} title={title} data-source="ledger"
                data-record={props.provenance.as_ref().map(|p| p.record_id.clone())}
                data-version={props.provenance.as_ref().map(|p| p.record_version.to_string())}>
                <span class="value">{ shown }</span>{ correct }{ error }
            </td>
        };
    }
    let (row, key) = (props.row, props.field.key.clone());
    let on_edit = props.on_edit.clone();
    let current = props.raw.clone().or_else(|| props.value.as_ref().map(display)).unwrap_or_default();
    let class = classes!("cell", "new", props.error.is_some().then_some("invalid"));
    let input = if props.field.options.is_empty() {
        let kind = match (props.field.json_type.as_deref(), props.field.format.as_deref()) {
            (_, Some("date")) => "date",
            (Some("number" | "integer"), _) => "number",
            _ => "text",
        };
        let oninput = Callback::from(move |e: InputEvent| {
            let target: web_sys::HtmlInputElement = e.target_unchecked_into();
            on_edit.emit((row, key.clone(), target.value()));
        });
        html! { <input type={kind} name={props.field.key.clone()} value={current} {oninput} disabled={props.disabled}
        aria-invalid={props.error.is_some().to_string()} step={(kind == "number").then_some("any")} /> }
    } else {
        let onchange = Callback::from(move |e: Event| {
            let target: web_sys::HtmlSelectElement = e.target_unchecked_into();
            on_edit.emit((row, key.clone(), target.value()));
        });
        html! {
            <select name={props.field.key.clone()} {onchange} disabled={props.disabled}>
                <option value="" selected={current.is_empty()}>{ t(props.lang, Key::ChooseOption) }</option>
                { for props.field.options.iter().map(|o| html! { <option value={o.clone()} selected={*o == current}>{ o }</option> }) }
            </select>
        }
    };
    html! { <td {class} id={id} data-source="new">{ input }{ error }</td> }
}
