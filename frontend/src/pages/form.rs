//! A generated form: pre-filled cells from the ledger, inputs for the new
//! fields, validation as staff type, and submit.

use std::rc::Rc;

use yew::prelude::*;
use ybt_core::api::{Form, FormRequest};
use ybt_core::messages::Text;
use ybt_core::{Catalog, CompiledTemplate};

use crate::api::{self, ApiFailure};
use crate::components::cell::Cell;
use crate::form_state::{FormAction, FormState, Status};
use crate::i18n::{Key, Lang, t};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub template_id: String,
    pub org_unit: String,
    pub back: Callback<()>,
}

/// Compiles the form's template in the browser: the validator the worker uses.
fn compile_here(form: &Form) -> Result<CompiledTemplate, Text> {
    let catalog = Catalog::builtin().map_err(|e| Text::new(e.to_string(), e.to_string()))?;
    ybt_core::compile(&form.schema, &catalog).map_err(|errors| {
        let first = errors.into_iter().next().map(|e| e.message).unwrap_or_else(|| Text::new("模板无效", "invalid template"));
        first
    })
}

fn new_submission_id() -> String {
    web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.random_uuid()).unwrap_or_else(|| {
        format!("{:x}{:x}", (js_sys::Math::random() * 1e15) as u64, (js_sys::Math::random() * 1e15) as u64)
    })
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
                    Ok(form) => match compile_here(&form) {
                        Ok(template) => {
                            state.dispatch(Holder::Load(FormState::new(form, template, new_submission_id())));
                            loaded.set(Some(Ok(())));
                        }
                        Err(message) => loaded.set(Some(Err(message))),
                    },
                    Err(failure) => loaded.set(Some(Err(failure.message()))),
                }
            });
        });
    }

    let back = props.back.reform(|_: MouseEvent| ());
    let header = html! { <button class="back" onclick={back}>{ "← " }{ t(lang, Key::Back) }</button> };
    let Some(current) = state.0.as_ref() else {
        return match &*loaded {
            Some(Err(message)) => html! { <>{ header }<p class="error" role="alert">{ lang.pick(message) }</p></> },
            _ => html! { <>{ header }<p class="loading">{ t(lang, Key::Loading) }</p></> },
        };
    };

    if let Status::Submitted(receipt) = &current.status {
        return html! {
            <>
                { header }
                <section class="panel done" id="receipt">
                    <h2>{ t(lang, Key::Submitted) }</h2>
                    <p>{ t(lang, Key::SubmissionId) }{ "：" }<code id="submission-id">{ &receipt.id }</code></p>
                    <p>{ format!("{} {}", receipt.row_count, t(lang, Key::Rows)) }</p>
                </section>
            </>
        };
    }

    let submitting = current.status == Status::Submitting;
    let on_edit = {
        let state = state.clone();
        Callback::from(move |(row, key, raw): (usize, String, String)| state.dispatch(Holder::Act(FormAction::Edit { row, key, raw })))
    };
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
                    Err(ApiFailure::Server(body)) if !body.error.fields.is_empty() => FormAction::ShowErrors(body.error.fields),
                    Err(failure) => FormAction::Failed(failure.message()),
                };
                state.dispatch(Holder::Act(action));
            });
        })
    };

    let form = &current.form;
    let has_errors = current.attempted && !current.errors.is_empty();
    html! {
        <>
            { header }
            <section class="panel">
                <h2 id="form-title">{ &form.title }</h2>
                <p class="meta">{ &form.org_unit.name }{ " · " }
                    { format!("{} {} · {} {}", current.template.burden.prefilled, t(lang, Key::Prefilled), current.template.burden.new, t(lang, Key::NewFields)) }
                </p>
                <p class="legend">
                    <span class="swatch prefilled"></span>{ t(lang, Key::FromLedger) }
                    <span class="swatch new"></span>{ t(lang, Key::MustEnter) }
                    <span class="swatch computed"></span>{ t(lang, Key::Computed) }
                </p>
                { for current.general.iter().map(|m| html! { <p class="error" role="alert">{ lang.pick(m) }</p> }) }
                if form.rows.is_empty() {
                    <p class="empty">{ t(lang, Key::NoRows) }</p>
                } else {
                    <div class="table-wrap">
                        <table class="form-table" id="form-table">
                            <thead><tr>
                                <th>{ "#" }</th>
                                { for form.columns.iter().map(|c| html! {
                                    <th class={classes!(if c.is_computed() { "computed" } else if c.is_new() { "new" } else { "prefilled" })}>
                                        { &c.title }{ if c.required && c.is_new() { " *" } else { "" } }
                                    </th>
                                }) }
                            </tr></thead>
                            <tbody>
                                { for form.rows.iter().enumerate().map(|(i, row)| html! {
                                    <tr data-subject={row.subject_id.clone()}>
                                        <td class="rownum">{ i + 1 }</td>
                                        { for form.columns.iter().map(|field| {
                                            let cell = (i, field.key.clone());
                                            html! {
                                                <Cell lang={lang} row={i} field={field.clone()}
                                                    value={current.rows[i].get(&field.key).cloned()}
                                                    raw={current.raw.get(&cell).cloned()}
                                                    provenance={row.provenance(field)}
                                                    error={current.visible_error(&cell).map(|m| lang.pick(m).to_owned())}
                                                    disabled={submitting}
                                                    on_edit={on_edit.clone()} />
                                            }
                                        }) }
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
                if has_errors { <p class="error" id="fix-errors">{ t(lang, Key::FixErrors) }</p> }
                <button class="primary" id="submit" onclick={on_submit} disabled={submitting}>
                    { if submitting { t(lang, Key::Submitting) } else { t(lang, Key::Submit) } }
                </button>
            </section>
        </>
    }
}

/// The page's reducer: empty until the form loads, then the form's state.
#[derive(PartialEq)]
struct FormHolder(Option<FormState>);


enum Holder {
    Load(FormState),
    Act(FormAction),
}

impl Reducible for FormHolder {
    type Action = Holder;

    fn reduce(self: Rc<Self>, action: Holder) -> Rc<Self> {
        match (action, &self.0) {
            (Holder::Load(state), _) => Rc::new(FormHolder(Some(state))),
            (Holder::Act(action), Some(current)) => {
                let next = Rc::new(current.clone()).reduce(action);
                Rc::new(FormHolder(Some(Rc::unwrap_or_clone(next))))
            }
            (Holder::Act(_), None) => self,
        }
    }
}
