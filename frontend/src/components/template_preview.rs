//! A template shown as the village form it becomes: the same form body
//! villages type into (inputs, required marks, dropdowns, date pickers,
//! computed values, validation as they type), pre-filled for a sample
//! village from core's synthetic demo ledger — no real person's data
//! reaches an author or a reviewer. Phone (cards) and desktop (table)
//! layouts at the press of a button; 检查填写 shows every problem as a
//! submit would. Used by the authoring page and the review (报表准入).

use std::rc::Rc;

use serde_json::Value;
use ybt_core::Catalog;
use ybt_core::ledger::{LedgerRecord, OrgLevel, OrgUnit};
use yew::prelude::*;

use crate::components::cell::Edit;
use crate::components::form_body::FormBody;
use crate::form_state::{FormAction, FormHolder, FormState, Holder};
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    /// The template document.
    pub document: Rc<Value>,
}

/// The sample village, with synthetic ledger records (core's
/// deterministic demo data).
pub fn sample() -> (OrgUnit, Vec<LedgerRecord>) {
    let unit =
        OrgUnit { code: "500118100001".into(), name: "示例村".into(), level: OrgLevel::Village, parent_code: Some("500118100".into()) };
    let records = ybt_core::demo::ledger(&[(unit.clone(), "示例镇".into())], 12, 7);
    (unit, records)
}

#[function_component(TemplatePreview)]
pub fn template_preview(props: &Props) -> Html {
    let lang = props.lang;
    let catalog = use_memo((), |_| Catalog::builtin().unwrap_or_default());
    let sample = use_memo((), |_| sample());
    let state = use_reducer(|| FormHolder(None));
    // Phone cards or the desktop table; `None` follows the screen.
    let layout = use_state(|| None::<bool>);
    let pick = use_state(|| false);
    {
        let (dispatcher, catalog, sample, pick) = (state.dispatcher(), catalog.clone(), sample.clone(), pick.clone());
        use_effect_with(props.document.clone(), move |doc| {
            if let Ok(template) = ybt_core::compile(doc, &catalog) {
                pick.set(template.subject.is_pick());
                let (unit, records) = &*sample;
                let form = ybt_core::prefill(&template, unit, records);
                dispatcher.dispatch(Holder::Load(FormState::new(form, template, "preview".into(), &[])));
            }
        });
    }
    let on_edit = {
        let dispatcher = state.dispatcher();
        use_callback((), move |Edit { row, key, raw, bad_input }: Edit, _| {
            dispatcher.dispatch(Holder::Act(FormAction::Edit { row, key, raw, bad_input }))
        })
    };
    let on_check = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(current) = &state.0 {
                state.dispatch(Holder::Act(FormAction::ShowErrors(current.check_all())));
            }
        })
    };
    let layout_button = |value: Option<bool>, id: &'static str, zh: &'static str, en: &'static str| {
        let layout = layout.clone();
        let pressed = *layout == value;
        html! {
            <button type="button" id={id} class={classes!("layout", pressed.then_some("on"))} aria-pressed={pressed.to_string()}
                onclick={Callback::from(move |_: MouseEvent| layout.set(value))}>{ tr(lang, zh, en) }</button>
        }
    };
    let Some(current) = &state.0 else {
        return html! { <div class="template-preview" id="preview"><p class="meta">{ tr(lang, "模板可编译后显示预览", "The preview shows once the template compiles") }</p></div> };
    };
    let rows = current.rows.len();
    html! {
        <div class={classes!("template-preview", (*layout == Some(true)).then_some("phone"))} id="preview" data-rows={rows.to_string()}>
            <div class="preview-tools" role="group" aria-label={tr(lang, "预览方式", "Preview layout")}>
                { layout_button(Some(false), "preview-desktop", "电脑版式", "Desktop") }
                { layout_button(Some(true), "preview-phone", "手机版式", "Phone") }
                <button type="button" id="preview-check" onclick={on_check}>{ tr(lang, "检查填写（如同提交）", "Check as a submit would") }</button>
            </div>
            <p class="meta">
                { if *pick {
                    tr(lang, "选取模式：村里从本村台账逐行选取或新增，预览中没有行", "Pick mode: villages add rows by picking records; the preview has none")
                } else {
                    tr(lang, "示例村（合成数据）：可在新增字段中试填，看必填、格式和自动计算", "Sample village (synthetic data): type into the new fields to try requirements, formats and computed values")
                } }
                { format!(" · {rows} {}", tr(lang, "行", "rows")) }
            </p>
            <FormBody lang={lang} state={Rc::clone(current)} disabled={false} on_edit={on_edit} narrow={*layout} />
        </div>
    }
}
