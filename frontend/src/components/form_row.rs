//! One row of a form: its cells. Rows compare by pointer, so only the row
//! that changed re-renders.

use std::rc::Rc;

use ybt_core::compile::FieldPlan;
use yew::prelude::*;

use crate::components::cell::Cell;
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
    pub on_edit: Callback<(usize, String, String)>,
    #[prop_or_default]
    pub on_correct: Option<Callback<(usize, String)>>,
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
    }
}

#[function_component(FormRow)]
pub fn form_row(props: &Props) -> Html {
    let (lang, i, row) = (props.lang, props.index, &props.row);
    html! {
        <tr data-subject={props.subject_id.clone()}>
            <td class="rownum">{ i + 1 }</td>
            { for props.columns.iter().map(|field| {
                // Any provenance of the row's own record lets an empty
                // pre-filled cell be corrected too.
                let correctable = !field.is_new() && !field.is_computed()
                    && (row.provenance.contains_key(&field.key) || row.provenance.values().any(|p| *p.record_id == *props.subject_id));
                html! {
                    <Cell lang={lang} row={i} field={Rc::clone(field)}
                        value={row.values.get(&field.key).cloned()}
                        raw={row.raw.get(&field.key).cloned()}
                        provenance={row.provenance.get(&field.key).cloned()}
                        error={row.visible_error(&field.key, props.attempted).map(|m| lang.pick(m).to_owned())}
                        disabled={props.disabled}
                        on_edit={props.on_edit.clone()}
                        on_correct={props.on_correct.clone().filter(|_| correctable)} />
                }
            }) }
        </tr>
    }
}
