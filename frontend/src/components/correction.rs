//! Correcting a wrong pre-filled value: the correction is a versioned
//! ledger update (`PATCH /api/ledger/records/{id}`, `source: form`), not a
//! form edit. When someone changed the record meanwhile, the current value
//! is shown and the next save is made over the current version.

use std::rc::Rc;

use serde_json::Value;
use ybt_core::api::{PatchRecordRequest, Provenance};
use ybt_core::compile::{FieldPlan, FieldSource};
use ybt_core::ledger::{LedgerRecord, Source};
use ybt_core::messages::Text;
use yew::prelude::*;

use crate::api::{self, ApiFailure, Conflict};
use crate::components::cell::{display, provenance_text};
use crate::form_state::parse_input;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub row: usize,
    pub field: Rc<FieldPlan>,
    pub value: Option<Value>,
    /// Where the value came from; for an empty cell, any cell of the same record.
    pub provenance: Provenance,
    /// The record as stored now, and whether this dialog changed it.
    pub on_record: Callback<(usize, LedgerRecord, bool)>,
    pub on_close: Callback<()>,
}

#[function_component(Correction)]
pub fn correction(props: &Props) -> Html {
    let lang = props.lang;
    let text = use_state(|| props.value.as_ref().map(display).unwrap_or_default());
    let expected = use_state(|| props.provenance.record_version);
    let stale = use_state(|| None::<String>);
    let error = use_state(|| None::<Text>);
    let busy = use_state(|| false);
    let ledger_field = match &props.field.source {
        FieldSource::Ledger { item } => ybt_core::ids::LedgerItem::split(item).map(|(_, f)| f.to_owned()),
        _ => None,
    };

    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
    };
    let onsubmit = {
        let (text, expected, stale, error, busy) = (text.clone(), expected.clone(), stale.clone(), error.clone(), busy.clone());
        let (record_id, field, json_type) = (props.provenance.record_id.clone(), ledger_field.clone(), props.field.json_type.clone());
        let (on_record, on_close, row) = (props.on_record.clone(), props.on_close.clone(), props.row);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(field) = field.clone() else { return };
            let value = parse_input(json_type.as_deref(), &text).unwrap_or(Value::Null);
            let mut patch = ybt_core::ledger::Patch::new();
            patch.insert(field.clone(), value);
            let request = PatchRecordRequest { expected_version: *expected, patch, source: Some(Source::Form) };
            let (record_id, expected, stale, error, busy) =
                (record_id.clone(), expected.clone(), stale.clone(), error.clone(), busy.clone());
            let (on_record, on_close) = (on_record.clone(), on_close.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::patch_record(&record_id, &request).await {
                    Ok(record) => {
                        let changed = record.version != request.expected_version;
                        on_record.emit((row, record, changed));
                        on_close.emit(());
                    }
                    Err(Conflict::Stale { current, .. }) => {
                        stale.set(Some(current.data.get(&field).map(display).unwrap_or_else(|| "—".to_owned())));
                        expected.set(current.version);
                        error.set(None);
                        on_record.emit((row, current, false));
                    }
                    Err(Conflict::Other(ApiFailure::Server { body, .. })) if !body.error.fields.is_empty() => {
                        error.set(body.error.fields.first().map(|f| f.message.clone()));
                    }
                    Err(Conflict::Other(failure)) => error.set(Some(failure.message())),
                }
                busy.set(false);
            });
        })
    };
    let cancel = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="dialog-backdrop">
            <form class="panel dialog" id="correction" {onsubmit} role="dialog" aria-modal="true">
                <h2>{ tr(lang, "更正台账中的值", "Correct a ledger value") }{ " · " }{ &props.field.title }</h2>
                <p class="meta" id="correction-provenance">{ provenance_text(lang, &props.field.title, &props.provenance) }</p>
                if let Some(current) = &*stale {
                    <p class="error" id="correction-stale" role="alert">{ tr(lang, "台账中此项刚被他人更新，当前值为", "Someone just updated this in the ledger; it now reads") }{ "：" }<strong>{ current }</strong></p>
                }
                <label>{ tr(lang, "正确的值", "Correct value") }
                    <input id="correction-value" value={(*text).clone()} {oninput} />
                </label>
                if let Some(message) = &*error { <p class="error" id="correction-error" role="alert">{ lang.pick(message) }</p> }
                <p class="dialog-actions">
                    <button type="submit" class="primary" id="correction-save" disabled={*busy || ledger_field.is_none()}>{ tr(lang, "保存", "Save") }</button>
                    <button type="button" id="correction-cancel" onclick={cancel}>{ tr(lang, "取消", "Cancel") }</button>
                </p>
            </form>
        </div>
    }
}
