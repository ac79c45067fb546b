//! The phone form's 转到 list: one option per subject, marked when it has
//! something to fix. With 2,000 subjects, building the names and options on
//! every keystroke was most of a keystroke's work: the labels are cached per
//! row state (a keystroke replaces one row's `Rc`, so one label is looked at
//! again) and the list re-renders only when a label or the choice changes.

use std::rc::Rc;

use ybt_core::api::Form;
use ybt_core::compile::FieldPlan;
use yew::prelude::*;

use crate::components::form_row::subject_name;
use crate::form_state::RowState;
use crate::i18n::{Lang, tr};

/// The labels of the last render and the row states they were made from.
#[derive(Default)]
pub struct JumpLabels {
    made_for: Option<(Rc<Form>, Lang, bool)>,
    rows: Vec<Rc<RowState>>,
    labels: Rc<Vec<AttrValue>>,
}

impl JumpLabels {
    /// The labels for `rows`, the same `Rc` as last time when none changed.
    pub fn update(
        &mut self,
        form: &Rc<Form>,
        columns: &[Rc<FieldPlan>],
        rows: &[Rc<RowState>],
        lang: Lang,
        attempted: bool,
    ) -> Rc<Vec<AttrValue>> {
        let problems = |r: &RowState| !r.errors.is_empty() && (attempted || r.touched.iter().any(|k| r.errors.contains_key(k)));
        let label = |n: usize, r: &RowState| {
            let mark = if problems(r) { tr(lang, "（待改正）", " (to fix)") } else { "" };
            AttrValue::from(format!("{}. {}{}", n + 1, subject_name(columns, r, n, lang), mark))
        };
        let same_form = self.made_for.as_ref().is_some_and(|(f, l, a)| Rc::ptr_eq(f, form) && *l == lang && *a == attempted);
        if !same_form || self.rows.len() != rows.len() {
            self.made_for = Some((Rc::clone(form), lang, attempted));
            self.rows = rows.to_vec();
            self.labels = Rc::new(rows.iter().enumerate().map(|(n, r)| label(n, r)).collect());
            return Rc::clone(&self.labels);
        }
        let mut changed: Option<Vec<AttrValue>> = None;
        for (n, row) in rows.iter().enumerate() {
            if Rc::ptr_eq(&self.rows[n], row) {
                continue;
            }
            self.rows[n] = Rc::clone(row);
            let fresh = label(n, row);
            if fresh != self.labels[n] {
                changed.get_or_insert_with(|| (*self.labels).clone())[n] = fresh;
            }
        }
        if let Some(labels) = changed {
            self.labels = Rc::new(labels);
        }
        Rc::clone(&self.labels)
    }
}

#[derive(Properties)]
pub struct Props {
    pub lang: Lang,
    pub labels: Rc<Vec<AttrValue>>,
    pub selected: usize,
    pub on_index: Callback<usize>,
}

impl PartialEq for Props {
    fn eq(&self, other: &Self) -> bool {
        self.lang == other.lang
            && Rc::ptr_eq(&self.labels, &other.labels)
            && self.selected == other.selected
            && self.on_index == other.on_index
    }
}

#[function_component(SubjectJump)]
pub fn subject_jump(props: &Props) -> Html {
    let lang = props.lang;
    let jump = {
        let on_index = props.on_index.clone();
        Callback::from(move |e: Event| {
            let target: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(to) = target.value().parse::<usize>() {
                on_index.emit(to);
            }
        })
    };
    html! {
        <label class="card-jump">
            <span>{ tr(lang, "转到", "Go to") }</span>
            <select id="subject-jump" onchange={jump} aria-label={tr(lang, "转到填报对象", "Go to subject")}>
                { for props.labels.iter().enumerate().map(|(n, label)| {
                    html! { <option value={n.to_string()} selected={n == props.selected}>{ label.clone() }</option> }
                }) }
            </select>
        </label>
    }
}
