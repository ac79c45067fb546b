//! One row of the survey form: its kind's fields, each with its input and
//! the message that belongs there. A component of its own, keyed by the
//! row's subject, so that a row re-renders only when its own props change
//! and its inputs are never rebuilt while staff type.

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::Value;
use ybt_core::FieldError;
use ybt_core::api::SubmittedRow;
use ybt_core::compile::{FieldPlan, FieldSource};
use ybt_core::survey::{NEW_PREFIX, error_place, kind_fields};
use yew::prelude::*;

use super::inputs::{CellContext, cell_input};
use super::state::{Action, Note, SurveyState, Template, text_key};
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct RowProps {
    pub lang: Lang,
    pub index: usize,
    pub row: SubmittedRow,
    pub template: Template,
    /// Core's errors of the row (computed when it changed).
    pub checks: Rc<Vec<FieldError>>,
    /// The errors of the submit attempt or the refusal that point into this row.
    pub server_errors: Vec<FieldError>,
    /// Whether staff tried to submit (missing values are pointed out).
    pub tried: bool,
    pub locked: bool,
    /// Typed text of the row's number boxes and messages at its fields, by field key.
    pub texts: HashMap<String, String>,
    pub notes: HashMap<String, Note>,
    pub previews: Rc<HashMap<String, String>>,
    pub dispatch: UseReducerDispatcher<SurveyState>,
}

fn bound(field: &FieldPlan) -> bool {
    matches!(field.source, FieldSource::Ledger { .. })
}

#[function_component(SurveyRow)]
pub fn survey_row(props: &RowProps) -> Html {
    let lang = props.lang;
    let (i, row, template) = (props.index, &props.row, &props.template.0);
    let kind_field = template.subject.kind_field.clone().unwrap_or_default();
    let kind = row.values.get(&kind_field).and_then(Value::as_str).unwrap_or_default().to_owned();
    let is_new = row.subject_id.starts_with(NEW_PREFIX);
    let fields = kind_fields(template, &kind);
    let cells = fields
        .iter()
        .map(|shown| {
            let field = shown.field;
            let value = row.values.get(&field.key).cloned();
            let filled = value.as_ref().is_some_and(|v| !v.is_null());
            let here = |e: &&FieldError| e.pointer == format!("/{}", field.key) || e.pointer.starts_with(&format!("/{}/", field.key));
            // Missing values are pointed out once staff tried to submit; wrong ones at once.
            let local_error = props.checks.iter().find(here).filter(|_| props.tried || filled).map(|e| lang.pick(&e.message).to_owned());
            let server_error = props
                .server_errors
                .iter()
                .find(|e| error_place(&e.pointer).and_then(|(_, k)| k) == Some(field.key.as_str()))
                .map(|e| lang.pick(&e.message).to_owned());
            let note = props.notes.get(&field.key).cloned();
            let info = note.as_ref().filter(|n| !n.error).map(|n| n.text.clone());
            let message = note.filter(|n| n.error).map(|n| n.text).or(server_error).or(local_error);
            let read_only = props.locked || (!is_new && bound(field));
            let input = cell_input(&CellContext {
                lang,
                field,
                value,
                text: props.texts.get(&field.key).cloned(),
                read_only,
                row: i,
                subject: row.subject_id.clone(),
                dispatch: props.dispatch.clone(),
                note_key: text_key(&row.subject_id, &field.key),
                previews: props.previews.clone(),
                invalid: message.is_some(),
            });
            let error_id = format!("err-{}-{}", i, field.key);
            html! {
                <div key={field.key.clone()} class={classes!("cell", message.is_some().then_some("invalid"))} data-key={field.key.clone()}>
                    <span class="title">{ &field.title }
                        if shown.required { <span class="required" aria-label={tr(lang, "必填", "required")}>{ "*" }</span> }
                    </span>
                    { input }
                    if let Some(help) = &field.ui.help { <span class="help">{ help }</span> }
                    if let Some(info) = info { <span class="field-note">{ info }</span> }
                    if let Some(message) = message { <span class="error field-error" id={error_id} role="alert">{ message }</span> }
                </div>
            }
        })
        .collect::<Html>();
    // Errors of the row that no field shows (a picked record gone, a wrong kind).
    let row_level: Vec<String> = props
        .server_errors
        .iter()
        .filter(|e| match error_place(&e.pointer).and_then(|(_, k)| k) {
            Some(k) => !fields.iter().any(|f| f.field.key == k),
            None => true,
        })
        .map(|e| lang.pick(&e.message).to_owned())
        .collect();
    let remove = {
        let (dispatch, subject) = (props.dispatch.clone(), row.subject_id.clone());
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::RemoveRow { subject: subject.clone() }))
    };
    html! {
        <div class="survey-row" data-kind={kind.clone()} data-subject={row.subject_id.clone()}>
            <h4>{ format!("{} · {}", i + 1, kind) }
                <span class="origin">{ if is_new { tr(lang, "新对象，审核后入台账", "new: joins the ledger after review") } else { tr(lang, "台账记录", "from the ledger") } }</span>
                if !props.locked { <button class="remove" onclick={remove}>{ tr(lang, "删除此行", "Remove row") }</button> }</h4>
            <div class="cells">{ cells }</div>
            { for row_level.iter().map(|m| html! { <p class="error" role="alert">{ m }</p> }) }
        </div>
    }
}
