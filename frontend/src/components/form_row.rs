//! One row of a form: its cells. Rows compare by pointer, so only the row
//! that changed re-renders.

use std::rc::Rc;

use ybt_core::compile::FieldPlan;
use yew::prelude::*;

use crate::components::cell::{Cell, Edit, Layout};
use crate::form_state::RowState;
use crate::i18n::Lang;

#[derive(Properties)]
pub struct Props {
    pub lang: Lang,
    pub index: usize,
    pub subject_id: AttrValue,
    pub columns: Rc<Vec<Rc<FieldPlan>>>,
    pub row: Rc<RowState>,
    pub attempted: bool,
    pub disabled: bool,
    pub on_edit: Callback<Edit>,
    #[prop_or_default]
    pub on_correct: Option<Callback<(usize, String)>>,
    #[prop_or_default]
    pub org_unit: Option<(AttrValue, AttrValue)>,
}

impl PartialEq for Props {
    fn eq(&self, other: &Self) -> bool {
        self.lang == other.lang
            && self.index == other.index
            && self.subject_id == other.subject_id
            && Rc::ptr_eq(&self.columns, &other.columns)
            && Rc::ptr_eq(&self.row, &other.row)
            && self.attempted == other.attempted
            && self.disabled == other.disabled
            && self.on_edit == other.on_edit
            && self.on_correct == other.on_correct
            && self.org_unit == other.org_unit
    }
}

/// The name a row's controls carry after their column title: the subject's
/// name, else the row's number.
pub fn subject_name(columns: &[Rc<FieldPlan>], row: &RowState, index: usize, lang: Lang) -> String {
    let label = ybt_core::api::subject_label(columns, &row.values);
    if label.name.is_empty() { crate::i18n::tr(lang, "第 {} 行", "row {}").replace("{}", &(index + 1).to_string()) } else { label.name }
}

/// Whether a cell of `field` in `row` can be corrected in the ledger.
pub fn correctable(field: &FieldPlan, row: &RowState, subject_id: &str) -> bool {
    // Any provenance of the row's own record lets an empty pre-filled cell
    // be corrected too.
    !field.is_new()
        && !field.is_computed()
        && (row.provenance.contains_key(&field.key) || row.provenance.values().any(|p| *p.record_id == *subject_id))
}

#[function_component(FormRow)]
pub fn form_row(props: &Props) -> Html {
    let (lang, i, row) = (props.lang, props.index, &props.row);
    let subject = AttrValue::from(subject_name(&props.columns, row, i, lang));
    html! {
        <tr data-subject={props.subject_id.clone()}>
            <th class="rownum" scope="row"><span class="n">{ i + 1 }</span>{ " " }<span class="who">{ subject.clone() }</span></th>
            { for props.columns.iter().map(|field| {
                let correctable = correctable(field, row, &props.subject_id);
                html! {
                    <Cell key={field.key.clone()} lang={lang} row={i} field={Rc::clone(field)}
                        value={row.values.get(&field.key).cloned()}
                        raw={row.raw.get(&field.key).cloned()}
                        provenance={row.provenance.get(&field.key).cloned()}
                        error={row.visible_error(&field.key, props.attempted).map(|m| lang.pick(m).to_owned())}
                        disabled={props.disabled}
                        subject={subject.clone()} layout={Layout::Table} org_unit={props.org_unit.clone()}
                        on_edit={props.on_edit.clone()}
                        on_correct={props.on_correct.clone().filter(|_| correctable)} />
                }
            }) }
        </tr>
    }
}
