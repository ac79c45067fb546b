//! The body of a form being filled in, as the screen suits: the table on
//! wide screens, one card per subject on phones. After a failed submit it
//! goes to the first problem, focuses it and says, once and politely, how
//! many problems there are.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use crate::components::cell::{Edit, input_id};
use crate::components::form_cards::FormCards;
use crate::components::form_row::subject_name;
use crate::components::form_table::FormTable;
use crate::form_state::FormState;
use crate::i18n::{Lang, tr};
use crate::timer::Timeout;

/// Screens at most this wide get cards instead of the table.
const NARROW: &str = "(max-width: 720px)";

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub state: Rc<FormState>,
    pub disabled: bool,
    /// Every row in the DOM, as a table (for printing).
    #[prop_or_default]
    pub all_rows: bool,
    pub on_edit: Callback<Edit>,
    #[prop_or_default]
    pub on_correct: Option<Callback<(usize, String)>>,
    /// Cards (`Some(true)`) or the table (`Some(false)`) whatever the
    /// screen: the template preview shows an author both layouts.
    #[prop_or_default]
    pub narrow: Option<bool>,
}

/// Whether the screen is narrow, following the media query as it changes
/// (a phone turned sideways).
#[hook]
fn use_narrow() -> bool {
    let query = use_memo((), |_| web_sys::window().and_then(|w| w.match_media(NARROW).ok().flatten()));
    let narrow = use_state(|| query.as_ref().as_ref().is_some_and(|q| q.matches()));
    {
        let narrow = narrow.clone();
        use_effect_with(query, move |query| {
            let listener = query.as_ref().as_ref().map(|q| {
                let q2 = q.clone();
                let closure = Closure::<dyn FnMut()>::new(move || narrow.set(q2.matches()));
                let _ = q.add_event_listener_with_callback("change", closure.as_ref().unchecked_ref());
                (q.clone(), closure)
            });
            move || {
                if let Some((q, closure)) = listener {
                    let _ = q.remove_event_listener_with_callback("change", closure.as_ref().unchecked_ref());
                }
            }
        });
    }
    *narrow
}

/// Focuses a cell's control, or the cell when it has none (a pre-filled
/// value with a problem): tried a few times while the row is being
/// rendered into view.
fn focus_cell(row: usize, key: &str, tries: u32) -> Option<Timeout> {
    let document = web_sys::window()?.document()?;
    let target = document
        .get_element_by_id(&input_id(row, key))
        .or_else(|| document.get_element_by_id(&format!("cell-{row}-{key}")).and_then(|cell| cell.query_selector("button").ok().flatten()))
        .or_else(|| {
            let cell = document.get_element_by_id(&format!("cell-{row}-{key}"))?;
            let _ = cell.set_attribute("tabindex", "-1");
            Some(cell)
        });
    match target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        Some(element) => {
            let _ = element.focus();
            element.scroll_into_view_with_bool(false);
            None
        }
        None if tries > 0 => {
            let key = key.to_owned();
            Some(Timeout::new(50, move || drop(focus_cell(row, &key, tries - 1))))
        }
        None => None,
    }
}

#[function_component(FormBody)]
pub fn form_body(props: &Props) -> Html {
    let lang = props.lang;
    let screen_narrow = use_narrow();
    let narrow = props.narrow.unwrap_or(screen_narrow) && !props.all_rows;
    let index = use_state(|| 0usize);
    let state = &props.state;
    // After each failed submit: to the first problem, and focus it.
    {
        let index = index.clone();
        let target = state.first_problem.clone();
        use_effect_with(state.focus_seq, move |seq| {
            let timer = (*seq > 0).then_some(target).flatten().map(|(row, key)| {
                if narrow {
                    index.set(row);
                }
                Timeout::new(60, move || drop(focus_cell(row, &key, 10)))
            });
            move || drop(timer)
        });
    }
    let on_index = {
        let index = index.clone();
        Callback::from(move |to: usize| index.set(to))
    };
    let summary = match (&state.first_problem, state.attempted && state.problem_count > 0) {
        (Some((row, key)), true) => {
            let title = state.columns.iter().find(|c| c.key == *key).map(|c| c.title.clone()).unwrap_or_default();
            let who = state.rows.get(*row).map(|r| subject_name(&state.columns, r, *row, lang)).unwrap_or_default();
            match lang {
                Lang::Zh => format!("有 {} 处需要改正，已转到第一处：{}「{}」", state.problem_count, who, title),
                Lang::En => format!("{} problem(s) to fix; moved to the first: {} — {}", state.problem_count, who, title),
            }
        }
        _ => String::new(),
    };
    let reveal = state.first_problem.as_ref().map(|(row, _)| (*row, state.focus_seq));
    html! {
        <div class="form-body">
            if narrow {
                <FormCards lang={lang} form={Rc::clone(&state.form)} columns={Rc::clone(&state.columns)}
                    rows={state.rows.clone()} attempted={state.attempted} disabled={props.disabled}
                    index={*index} on_index={on_index} on_edit={props.on_edit.clone()} on_correct={props.on_correct.clone()} />
            } else {
                <FormTable lang={lang} form={Rc::clone(&state.form)} columns={Rc::clone(&state.columns)}
                    rows={state.rows.clone()} attempted={state.attempted} disabled={props.disabled}
                    all_rows={props.all_rows} reveal={reveal} on_edit={props.on_edit.clone()} on_correct={props.on_correct.clone()} />
            }
            <p class="error form-summary" id="fix-errors" role="status" aria-live="polite">{ summary }</p>
            <p class="scroll-hint" aria-hidden="true">{ if narrow { "" } else { tr(lang, "表格较宽时可左右滑动查看，姓名列固定不动", "Scroll sideways for more columns; the subject stays in view") } }</p>
        </div>
    }
}
