//! The table of a form, virtualized: in a scroll box of fixed-height rows,
//! only the rows in view (plus a few either side) are in the DOM, so a
//! 2,000-row form costs what a 30-row one does. Printing renders every row.

use std::rc::Rc;

use ybt_core::api::Form;
use ybt_core::compile::FieldPlan;
use yew::prelude::*;

use crate::components::cell::Edit;
use crate::components::form_row::FormRow;
use crate::form_state::{RowState, same_rows};
use crate::i18n::Lang;

/// Height of every body row in pixels; `.form-table.virtual` in the
/// stylesheet keeps rows at exactly this height.
pub const ROW_HEIGHT: f64 = 56.0;
/// Width of the row header (number and subject), which stays put while the
/// table scrolls sideways.
const SUBJECT_WIDTH: u32 = 120;
/// Rows rendered beyond the visible ones, above and below.
const OVERSCAN: usize = 8;
/// Assumed height of the scroll box before it is measured.
const DEFAULT_VIEWPORT: f64 = 640.0;

#[derive(Properties)]
pub struct Props {
    pub lang: Lang,
    pub form: Rc<Form>,
    pub columns: Rc<Vec<Rc<FieldPlan>>>,
    pub rows: Vec<Rc<RowState>>,
    pub attempted: bool,
    pub disabled: bool,
    /// Every row in the DOM (for printing).
    #[prop_or_default]
    pub all_rows: bool,
    pub on_edit: Callback<Edit>,
    #[prop_or_default]
    pub on_correct: Option<Callback<(usize, String)>>,
    /// Scroll so that this row is in view (after a failed submit).
    #[prop_or_default]
    pub reveal: Option<(usize, u64)>,
}

impl PartialEq for Props {
    fn eq(&self, other: &Self) -> bool {
        self.lang == other.lang
            && Rc::ptr_eq(&self.form, &other.form)
            && Rc::ptr_eq(&self.columns, &other.columns)
            && same_rows(&self.rows, &other.rows)
            && self.attempted == other.attempted
            && self.disabled == other.disabled
            && self.all_rows == other.all_rows
            && self.on_edit == other.on_edit
            && self.on_correct == other.on_correct
            && self.reveal == other.reveal
    }
}

/// The rows to render: `first..end` for a scroll offset and box height.
pub fn window(total: usize, scroll_top: f64, viewport: f64) -> (usize, usize) {
    let first_visible = (scroll_top.max(0.0) / ROW_HEIGHT) as usize;
    let visible = (viewport / ROW_HEIGHT).ceil() as usize + 1;
    let first = first_visible.saturating_sub(OVERSCAN).min(total);
    let end = (first_visible + visible + OVERSCAN).min(total);
    (first, end)
}

/// A column's width in pixels: from its `x-ui` width (characters) or its kind.
/// Fixed widths let the browser lay out the table without measuring rows,
/// and columns do not jump as rows scroll in and out.
fn column_width(field: &FieldPlan) -> u32 {
    let chars = field.ui.width.unwrap_or(if field.is_new() { 9 } else { 8 });
    chars.clamp(4, 40) * 13 + 24
}

#[function_component(FormTable)]
pub fn form_table(props: &Props) -> Html {
    let scroller = use_node_ref();
    // The first visible row and the box height: re-render only when the
    // window of rows changes, not on every scrolled pixel.
    let view = use_state(|| (0usize, DEFAULT_VIEWPORT));
    let onscroll = {
        let (scroller, view) = (scroller.clone(), view.clone());
        Callback::from(move |_: Event| {
            let Some(element) = scroller.cast::<web_sys::Element>() else { return };
            let first = (f64::from(element.scroll_top()) / ROW_HEIGHT) as usize;
            let height = f64::from(element.client_height()).max(ROW_HEIGHT);
            if (first, height) != *view {
                view.set((first, height));
            }
        })
    };
    // Bring a row into view when asked (each request once, by its sequence).
    {
        let (scroller, view) = (scroller.clone(), view.clone());
        use_effect_with(props.reveal, move |reveal| {
            if let (Some((row, _)), Some(element)) = (reveal, scroller.cast::<web_sys::Element>()) {
                let top = f64::from(element.scroll_top());
                let height = f64::from(element.client_height()).max(ROW_HEIGHT);
                let y = *row as f64 * ROW_HEIGHT;
                if y < top || y + ROW_HEIGHT > top + height - ROW_HEIGHT {
                    let target = (y - height / 3.0).max(0.0);
                    element.set_scroll_top(target as i32);
                    view.set(((target / ROW_HEIGHT) as usize, height));
                }
            }
        });
    }
    let total = props.rows.len();
    let (first, end) = if props.all_rows { (0, total) } else { window(total, view.0 as f64 * ROW_HEIGHT, view.1) };
    // The CSP forbids inline style attributes (`style-src 'self'`); a
    // cell's presentational `height` attribute is not a style.
    // Both spacers are always there and every child of the body is keyed:
    // a list with some unkeyed children is diffed by position, which would
    // replace every row (and the input being typed in) when the window of
    // rows moves.
    let spacer = |rows: usize, id: &'static str| {
        let height = format!("{}", rows as f64 * ROW_HEIGHT);
        let span = (props.columns.len() + 1).to_string();
        html! {
            <tr key={id} class={classes!("spacer", (rows == 0).then_some("none"))} aria-hidden="true" data-spacer={id}>
                <td colspan={span} {height}></td>
            </tr>
        }
    };
    let org_unit = Some((AttrValue::from(props.form.org_unit.code.clone()), AttrValue::from(props.form.org_unit.name.clone())));
    let first_new = props.columns.iter().find(|c| c.is_new()).map(|c| c.key.clone()).unwrap_or_default();
    let table_width: u32 = SUBJECT_WIDTH + props.columns.iter().map(|c| column_width(c)).sum::<u32>();
    html! {
        <div class={classes!("table-wrap", "scroll", props.all_rows.then_some("all"))} ref={scroller} {onscroll} id="form-scroll">
            <table class="form-table virtual" id="form-table" data-rows={total.to_string()} data-row-height={ROW_HEIGHT.to_string()}
                width={table_width.to_string()} aria-label={props.form.title.clone()}>
                <colgroup>
                    <col width={SUBJECT_WIDTH.to_string()} />
                    { for props.columns.iter().map(|c| html! { <col width={column_width(c).to_string()} /> }) }
                </colgroup>
                <thead><tr>
                    <th class="rownum" scope="col">{ crate::i18n::tr(props.lang, "对象", "Subject") }</th>
                    { for props.columns.iter().map(|c| html! {
                        <th scope="col" class={classes!(if c.is_computed() { "computed" } else if c.is_new() { "new" } else { "prefilled" }, (c.key == first_new).then_some("first-new"))}
                            title={c.ui.help.clone()}>
                            { &c.title }{ if c.required && c.is_new() { " *" } else { "" } }
                        </th>
                    }) }
                </tr></thead>
                <tbody>
                    { spacer(first, "top") }
                    { for (first..end).map(|i| html! {
                        <FormRow key={i} lang={props.lang} index={i}
                            subject_id={AttrValue::from(props.form.rows[i].subject_id.clone())}
                            columns={Rc::clone(&props.columns)} row={Rc::clone(&props.rows[i])}
                            attempted={props.attempted} disabled={props.disabled}
                            on_edit={props.on_edit.clone()} on_correct={props.on_correct.clone()} org_unit={org_unit.clone()} />
                    }) }
                    { spacer(total - end, "bottom") }
                </tbody>
            </table>
        </div>
    }
}
