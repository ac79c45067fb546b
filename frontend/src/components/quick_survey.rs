//! The quick builder of an ad-hoc survey: a title, which ledger records rows
//! are picked from (and one kind of new-only rows), a few fields to fill in.
//! Core writes the pick template (`builder::survey::survey_document`) and
//! compiles it on every edit, here in the browser; the worker checks it
//! again when the survey starts.

use std::rc::Rc;

use ybt_core::Catalog;
use ybt_core::builder::survey::{QuickSurveySpec, SurveyKindSpec, survey_document};
use ybt_core::builder::{NewFieldSpec, NewFieldType};
use ybt_core::survey::{SurveyPreview, SurveySummary};
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};

/// The ledger entities a quick survey may pick from, with a default kind name.
const ENTITIES: [(&str, &str, &str); 5] = [
    ("person", "受灾人员", "people"),
    ("house", "受损房屋", "houses"),
    ("land_parcel", "受灾农田", "farmland"),
    ("enterprise", "受损企业", "enterprises"),
    ("venue", "受损场所", "venues"),
];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    /// The town or district to send to, and the logged reason.
    pub scope: String,
    pub reason: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub on_started: Callback<SurveySummary>,
}

fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>().value()
}

#[function_component(QuickSurvey)]
pub fn quick_survey(props: &Props) -> Html {
    let lang = props.lang;
    let catalog = use_memo((), |_| Rc::new(Catalog::builtin().unwrap_or_default()));
    let title = use_state(String::new);
    // Kind name per entity; an empty name leaves the entity out.
    let kinds = use_state(|| ENTITIES.iter().map(|_| String::new()).collect::<Vec<_>>());
    let other = use_state(String::new);
    let fields = use_state(|| {
        vec![NewFieldSpec {
            key: "damage_level".into(),
            title: "受灾程度".into(),
            kind: Some(NewFieldType::Choice),
            required: true,
            options: "轻微、一般、严重".into(),
            ..NewFieldSpec::default()
        }]
    });
    let message = use_state(|| None::<String>);
    let id = use_state(|| format!("adhoc-{}", crate::api::new_id()));
    // One dispatch id per builder: a double tap starts one survey.
    let dispatch_id = use_state(crate::api::new_id);
    let confirm = use_state(|| None::<SurveyPreview>);
    let busy = use_state(|| false);

    let spec = QuickSurveySpec {
        id: (*id).clone(),
        title: (*title).clone(),
        department: String::new(),
        kinds: ENTITIES
            .iter()
            .zip(kinds.iter())
            .filter(|(_, k)| !k.trim().is_empty())
            .map(|((entity, _, _), k)| SurveyKindSpec { kind: k.clone(), entity: (*entity).into() })
            .chain((!other.trim().is_empty()).then(|| SurveyKindSpec { kind: (*other).clone(), entity: String::new() }))
            .collect(),
        fields: (*fields).clone(),
    };
    // Compiled on every render from the spec: errors point at the inputs.
    let compiled = survey_document(&spec, &catalog).and_then(|doc| {
        ybt_core::compile(&doc, &catalog)
            .map(|t| (doc, t.fields.len()))
            .map_err(|errors| errors.into_iter().map(|e| ybt_core::FieldError::new(e.pointer, "", e.message)).collect())
    });

    let kind_inputs = ENTITIES.iter().enumerate().map(|(i, (entity, zh, en))| {
        let on_input = {
            let kinds = kinds.clone();
            Callback::from(move |e: InputEvent| {
                let mut next = (*kinds).clone();
                next[i] = input_value(&e);
                kinds.set(next);
            })
        };
        html! { <label class="quick-kind">{ format!("{entity} ") }
        <input data-entity={*entity} placeholder={tr(lang, zh, en)} value={kinds[i].clone()} oninput={on_input} /></label> }
    });
    let field_rows = fields.iter().enumerate().map(|(i, f)| {
        let edit = |apply: fn(&mut NewFieldSpec, String)| {
            let fields = fields.clone();
            Callback::from(move |e: InputEvent| {
                let mut next = (*fields).clone();
                apply(&mut next[i], input_value(&e));
                fields.set(next);
            })
        };
        let on_type = {
            let fields = fields.clone();
            Callback::from(move |e: Event| {
                let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                let mut next = (*fields).clone();
                next[i].kind = NewFieldType::ALL.into_iter().find(|t| t.title().en == value);
                fields.set(next);
            })
        };
        html! {
            <div class="quick-field">
                <input class="field-key" placeholder="key" value={f.key.clone()} oninput={edit(|f, v| f.key = v)} />
                <input class="field-title" placeholder={tr(lang, "名称", "title")} value={f.title.clone()} oninput={edit(|f, v| f.title = v)} />
                <select class="field-type" onchange={on_type}>
                    { for NewFieldType::ALL.iter().map(|t| html! {
                        <option value={t.title().en.clone()} selected={f.kind == Some(*t)}>{ lang.pick(&t.title()).to_owned() }</option> }) }
                </select>
                <input class="field-options" placeholder={tr(lang, "选项（、分隔）", "options (comma separated)")} value={f.options.clone()} oninput={edit(|f, v| f.options = v)} />
            </div>
        }
    });
    let on_add_field = {
        let fields = fields.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*fields).clone();
            next.push(NewFieldSpec { kind: Some(NewFieldType::Text), ..NewFieldSpec::default() });
            fields.set(next);
        })
    };
    // Step 1: what would happen (the worker's preview), for the starter to confirm;
    // step 2: start it under the builder's one dispatch id.
    let body = {
        let (id, scope, reason, due_date, dispatch_id) =
            ((*id).clone(), props.scope.clone(), props.reason.clone(), props.due_date.clone(), (*dispatch_id).clone());
        let document = compiled.as_ref().ok().map(|(doc, _)| doc.clone());
        move || {
            document.clone().map(|document| {
                serde_json::json!({
                    "dispatch_id": dispatch_id, "template_id": id, "scope": scope, "reason": reason, "document": document,
                    "due_date": due_date
                })
            })
        }
    };
    let on_send = {
        let (message, confirm, scope, body) = (message.clone(), confirm.clone(), props.scope.clone(), body.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(body) = body() else { return };
            if scope.is_empty() {
                message.set(Some(tr(lang, "请先在上面选择下发范围", "choose the scope above first").into()));
                return;
            }
            let (message, confirm) = (message.clone(), confirm.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::preview_survey(&body).await {
                    Ok(p) => {
                        message.set(None);
                        confirm.set(Some(p));
                    }
                    Err(e) => message.set(Some(e.both())),
                }
            });
        })
    };
    let on_confirm = {
        let (message, confirm, busy, on_started) = (message.clone(), confirm.clone(), busy.clone(), props.on_started.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(body) = body() else { return };
            if *busy {
                return;
            }
            busy.set(true);
            let (message, confirm, busy, on_started) = (message.clone(), confirm.clone(), busy.clone(), on_started.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::start_survey(&body).await {
                    Ok(s) => {
                        confirm.set(None);
                        on_started.emit(s);
                    }
                    Err(e) => message.set(Some(e.both())),
                }
                busy.set(false);
            });
        })
    };
    let confirm_view = (*confirm).clone().map(|p| {
        let cancel = {
            let confirm = confirm.clone();
            Callback::from(move |_: MouseEvent| confirm.set(None))
        };
        html! {
            <div class="confirm" id="quick-confirm-box" role="alertdialog">
                <p>{ match lang {
                    Lang::Zh => format!("将向{}的 {} 个村（社区）下发“{}”，截止 {}。确认下发？", p.scope_name, p.villages, p.title, p.due_date),
                    Lang::En => format!("Send \"{}\" to {} villages of {}, due {}?", p.title, p.villages, p.scope_name, p.due_date),
                } }</p>
                <button id="quick-confirm" class="primary" disabled={*busy} onclick={on_confirm}>{ tr(lang, "确认下发", "Send") }</button>
                <button class="secondary" onclick={cancel}>{ tr(lang, "取消", "Cancel") }</button>
            </div>
        }
    });
    html! {
        <details class="quick-survey" id="quick-survey">
            <summary>{ tr(lang, "或：快速搭建临时摸排表", "Or: build an ad-hoc survey") }</summary>
            <input id="quick-title" placeholder={tr(lang, "摸排表名称", "survey title")} value={(*title).clone()} oninput={{ let t = title.clone(); Callback::from(move |e: InputEvent| t.set(input_value(&e))) }} />
            <p class="hint">{ tr(lang, "从哪些台账选取对象（填写类别名称即选用）：", "Rows picked from these ledgers (name the kind to use one):") }</p>
            { for kind_inputs }
            <label>{ tr(lang, "仅新增的对象（如塌方点）", "new-only rows (e.g. landslide points)") }
                <input id="quick-other" value={(*other).clone()} oninput={{ let o = other.clone(); Callback::from(move |e: InputEvent| o.set(input_value(&e))) }} /></label>
            <p class="hint">{ tr(lang, "需填写的字段：", "Fields to fill in:") }</p>
            { for field_rows }
            <button onclick={on_add_field}>{ tr(lang, "添加字段", "Add a field") }</button>
            { match &compiled {
                Ok((_, n)) => html! { <p class="status" id="quick-ok">{ match lang {
                    Lang::Zh => format!("校验通过：{n} 个字段"), Lang::En => format!("compiles: {n} fields") } }</p> },
                Err(errors) => html! { <ul class="errors" id="quick-errors">{ for errors.iter().map(|e| html! {
                    <li>{ format!("{} {}", e.pointer, lang.pick(&e.message)) }</li> }) }</ul> },
            } }
            <button id="quick-send" class="primary" disabled={compiled.is_err()} onclick={on_send}>{ tr(lang, "一键下发临时摸排", "Send this survey to all villages") }</button>
            { confirm_view }
            if let Some(m) = &*message { <p class="status" id="quick-message">{ m }</p> }
        </details>
    }
}
