//! A form on a phone: one card per subject, one subject at a time. The
//! subject (name, masked ID, position) stays on top; the fields to fill come
//! first, then computed values, then the ledger's values in compact
//! read-only form. Same rows, drafts and validator as the table: only the
//! layout differs, and moving between subjects loses nothing typed (it is in
//! the form's state, not in the card).

use std::rc::Rc;

use ybt_core::api::Form;
use ybt_core::compile::FieldPlan;
use yew::prelude::*;

use crate::components::cell::{Cell, Edit, Layout};
use crate::components::form_row::{correctable, subject_name};
use crate::components::subject_jump::{JumpLabels, SubjectJump};
use crate::form_state::{RowState, same_rows};
use crate::i18n::{Lang, tr};

#[derive(Properties)]
pub struct Props {
    pub lang: Lang,
    pub form: Rc<Form>,
    pub columns: Rc<Vec<Rc<FieldPlan>>>,
    pub rows: Vec<Rc<RowState>>,
    pub attempted: bool,
    pub disabled: bool,
    /// The subject shown.
    pub index: usize,
    pub on_index: Callback<usize>,
    pub on_edit: Callback<Edit>,
    #[prop_or_default]
    pub on_correct: Option<Callback<(usize, String)>>,
}

impl PartialEq for Props {
    fn eq(&self, other: &Self) -> bool {
        self.lang == other.lang
            && Rc::ptr_eq(&self.form, &other.form)
            && Rc::ptr_eq(&self.columns, &other.columns)
            && same_rows(&self.rows, &other.rows)
            && self.attempted == other.attempted
            && self.disabled == other.disabled
            && self.index == other.index
            && self.on_index == other.on_index
            && self.on_edit == other.on_edit
            && self.on_correct == other.on_correct
    }
}

#[function_component(FormCards)]
pub fn form_cards(props: &Props) -> Html {
    let lang = props.lang;
    let total = props.rows.len();
    let i = props.index.min(total.saturating_sub(1));
    let jump_labels = use_mut_ref(JumpLabels::default);
    let (Some(row), Some(generated)) = (props.rows.get(i), props.form.rows.get(i)) else { return html! {} };
    let label = ybt_core::api::subject_label(&props.columns, &row.values);
    let subject = AttrValue::from(subject_name(&props.columns, row, i, lang));
    let org_unit = Some((AttrValue::from(props.form.org_unit.code.clone()), AttrValue::from(props.form.org_unit.name.clone())));
    let subject_id = AttrValue::from(generated.subject_id.clone());
    let cell = |field: &Rc<FieldPlan>| {
        let correctable = correctable(field, row, &subject_id);
        html! {
            <Cell key={field.key.clone()} lang={lang} row={i} field={Rc::clone(field)}
                value={row.values.get(&field.key).cloned()}
                raw={row.raw.get(&field.key).cloned()}
                provenance={row.provenance.get(&field.key).cloned()}
                error={row.visible_error(&field.key, props.attempted).map(|m| lang.pick(m).to_owned())}
                disabled={props.disabled} subject={subject.clone()} layout={Layout::Card} org_unit={org_unit.clone()}
                on_edit={props.on_edit.clone()}
                on_correct={props.on_correct.clone().filter(|_| correctable)} />
        }
    };
    let go = |to: usize| props.on_index.reform(move |_: MouseEvent| to);
    let labels = jump_labels.borrow_mut().update(&props.form, &props.columns, &props.rows, lang, props.attempted);
    let new_fields = props.columns.iter().filter(|c| c.is_new());
    let computed = props.columns.iter().filter(|c| c.is_computed()).collect::<Vec<_>>();
    let ledger = props.columns.iter().filter(|c| !c.is_new() && !c.is_computed()).collect::<Vec<_>>();
    html! {
        <div class="form-cards" id="form-cards" data-rows={total.to_string()}>
            <div class="card-nav" role="group" aria-label={tr(lang, "填报对象", "Subject")}>
                <button type="button" class="secondary nav-prev" id="prev-subject" disabled={i == 0} onclick={go(i.saturating_sub(1))}>
                    { tr(lang, "‹ 上一个", "‹ Previous") }
                </button>
                <div class="card-subject" id="card-subject" aria-live="polite">
                    <strong class="who">{ if label.name.is_empty() { subject.to_string() } else { label.name.clone() } }</strong>
                    <span class="id">{ label.identifier.clone().unwrap_or_default() }</span>
                    <span class="pos">{ format!("{} / {}", i + 1, total) }</span>
                </div>
                <button type="button" class="secondary nav-next" id="next-subject" disabled={i + 1 >= total} onclick={go((i + 1).min(total.saturating_sub(1)))}>
                    { tr(lang, "下一个 ›", "Next ›") }
                </button>
            </div>
            <SubjectJump lang={lang} labels={labels} selected={i} on_index={props.on_index.clone()} />
            <div class="card-holder">
            <section class="subject-card" key={generated.subject_id.clone()} data-subject={generated.subject_id.clone()}
                aria-label={subject.to_string()}>
                <h3 class="card-section">{ tr(lang, "需填写", "To fill in") }</h3>
                { for new_fields.map(cell) }
                <h3 class="card-section computed-title">{ if computed.is_empty() { "" } else { tr(lang, "自动计算", "Computed") } }</h3>
                { for computed.into_iter().map(cell) }
                <h3 class="card-section">{ tr(lang, "台账信息（只读）", "From the ledger (read-only)") }</h3>
                <div class="ledger-values">{ for ledger.into_iter().map(cell) }</div>
            </section>
            </div>
        </div>
    }
}
