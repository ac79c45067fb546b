//! A generated form: pre-filled cells from the ledger, inputs for the new
//! fields, validation as staff type, and submit.

use std::rc::Rc;

use ybt_core::api::FormRequest;
use ybt_core::messages::Text;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::cell::Edit;
use crate::components::form_body::FormBody;
use crate::components::receipt::Receipt;
use crate::draft_store::new_submission_id;
use crate::form_state::{FormAction, FormHolder, FormState, Holder, Status};
use crate::i18n::{Lang, tr};
use crate::pages::task::load_template;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub template_id: String,
    pub org_unit: String,
    pub back: Callback<()>,
}

#[function_component(FormPage)]
pub fn form_page(props: &Props) -> Html {
    let lang = props.lang;
    let loaded = use_state(|| None::<Result<(), Text>>);
    let state = use_reducer(|| FormHolder(None));

    {
        let (loaded, state) = (loaded.clone(), state.clone());
        let request = FormRequest { template_id: props.template_id.clone(), org_unit: props.org_unit.clone() };
        use_effect_with(request, move |request| {
            let request = request.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match api::generate_form(&request).await {
                    Ok(form) => match load_template(&form) {
                        Ok(template) => {
                            state.dispatch(Holder::Load(FormState::new(form, template, new_submission_id(), &[])));
                            loaded.set(Some(Ok(())));
                        }
                        Err(message) => loaded.set(Some(Err(message))),
                    },
                    Err(failure) => loaded.set(Some(Err(failure.message()))),
                }
            });
        });
    }

    let on_edit = {
        let dispatcher = state.dispatcher();
        use_callback((), move |Edit { row, key, raw, bad_input }: Edit, _| {
            dispatcher.dispatch(Holder::Act(FormAction::Edit { row, key, raw, bad_input }))
        })
    };
    let back = props.back.reform(|_: MouseEvent| ());
    let header = html! { <button class="back" onclick={back}>{ "← " }{ tr(lang, "返回", "Back") }</button> };
    let Some(current) = state.0.as_ref() else {
        return match &*loaded {
            Some(Err(message)) => html! { <>{ header }<p class="error" role="alert">{ lang.pick(message) }</p></> },
            _ => html! { <>{ header }<p class="loading">{ tr(lang, "加载中…", "Loading…") }</p></> },
        };
    };

    if let Status::Submitted(receipt) = &current.status {
        return html! { <>{ header }<Receipt lang={lang} receipt={receipt.clone()} /></> };
    }

    let submitting = current.status == Status::Submitting;
    let on_submit = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(current) = state.0.as_ref() else { return };
            let errors = current.check_all();
            if !errors.is_empty() {
                state.dispatch(Holder::Act(FormAction::ShowErrors(errors)));
                return;
            }
            let request = current.request();
            state.dispatch(Holder::Act(FormAction::Submitting));
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let action = match api::submit(&request).await {
                    Ok(receipt) => FormAction::Submitted(receipt),
                    Err(ApiFailure::Server { body, .. }) if !body.error.fields.is_empty() => FormAction::ShowErrors(body.error.fields),
                    Err(failure) => FormAction::Failed(failure.message()),
                };
                state.dispatch(Holder::Act(action));
            });
        })
    };

    let form = &current.form;
    html! {
        <>
            { header }
            <section class="panel">
                <h2 id="form-title">{ &form.title }</h2>
                <p class="meta">{ &form.org_unit.name }{ " · " }
                    { format!("{} {} · {} {}", current.template.burden.prefilled, tr(lang, "项自动填入", "fields pre-filled"), current.template.burden.new, tr(lang, "项需填写", "fields to enter")) }
                </p>
                <p class="legend">
                    <span class="swatch prefilled"></span>{ tr(lang, "来自台账", "from the ledger") }
                    <span class="swatch new"></span>{ tr(lang, "需填写", "to enter") }
                    <span class="swatch computed"></span>{ tr(lang, "自动计算", "computed") }
                </p>
                <div class="general-errors" role="alert">
                    { for current.general.iter().map(|m| html! { <p class="error">{ lang.pick(m) }</p> }) }
                </div>
                if form.rows.is_empty() {
                    <p class="empty">{ tr(lang, "本村（社区）台账中没有符合条件的对象。", "No matching records in this village's ledger.") }</p>
                } else {
                    <FormBody lang={lang} state={Rc::clone(current)} disabled={submitting} on_edit={on_edit} />
                }
                <button class="primary" id="submit" onclick={on_submit} disabled={submitting}>
                    { if submitting { tr(lang, "提交中…", "Submitting…") } else { tr(lang, "提交", "Submit") } }
                </button>
            </section>
        </>
    }
}
