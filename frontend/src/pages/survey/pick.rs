//! Picking a ledger record as a survey row: search the village's records
//! of one kind by name, the last digits of an ID number or an address.

use ybt_core::api::{SubmittedRow, TaskSummary};
use ybt_core::survey::PickAnswer;
use yew::prelude::*;

use super::state::{Action, SurveyState};
use crate::api::{self, ApiFailure};
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct PickProps {
    pub lang: Lang,
    pub task: TaskSummary,
    pub entity: String,
    pub kind: String,
    /// Subjects already in the form (they cannot be picked twice).
    pub taken: Vec<String>,
    pub dispatch: UseReducerDispatcher<SurveyState>,
    /// Called once a record is picked.
    pub on_picked: Callback<()>,
}

/// The search box and its results. Opened afresh (keyed) by every 选取 click.
#[function_component(PickPanel)]
pub fn pick_panel(props: &PickProps) -> Html {
    let lang = props.lang;
    let kind = props.kind.clone();
    let query = use_state(String::new);
    let found = use_state(|| None::<PickAnswer>);
    let run = {
        let (query, found, task, entity, dispatch) =
            (query.clone(), found.clone(), props.task.clone(), props.entity.clone(), props.dispatch.clone());
        Callback::from(move |_: ()| {
            let (found, dispatch, task, entity, query) = (found.clone(), dispatch.clone(), task.clone(), entity.clone(), (*query).clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::pick(&task, &entity, &query).await {
                    Ok(answer) => found.set(Some(answer)),
                    // Answered but unreadable: no results.
                    Err(ApiFailure::Network { status: Some(200..=299), .. }) => found.set(None),
                    _ => dispatch.dispatch(Action::Note(Some(
                        tr(lang, "离线时不能查台账：请用“新增”按钮添加", "the ledger cannot be searched offline: add a new record").into(),
                    ))),
                }
            });
        })
    };
    let on_input = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| query.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
    };
    let on_key = {
        let run = run.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                run.emit(())
            }
        })
    };
    let results = found.as_ref().map(|answer| {
        if answer.rows.is_empty() {
            let q = (*query).trim().to_owned();
            return html! {
                <li class="pick-empty" id="pick-empty">{ match lang {
                    Lang::Zh if q.is_empty() => format!("本村台账中没有{kind}记录：请点“新增{kind}”"),
                    Lang::Zh => format!("没有找到“{q}”：请换个关键词（姓名、身份证后 4 位以上或地址），或点“新增{kind}”"),
                    Lang::En => format!("nothing found for \"{q}\": try other words, or add a new record"),
                } }</li>
            };
        }
        answer
            .rows
            .iter()
            .zip(&answer.labels)
            .map(|(row, label)| {
                let taken = props.taken.contains(&row.subject_id);
                let added = SubmittedRow { subject_id: row.subject_id.clone(), values: row.values.clone() };
                let (dispatch, on_picked) = (props.dispatch.clone(), props.on_picked.clone());
                let on_click = Callback::from(move |_: MouseEvent| {
                    dispatch.dispatch(Action::AddRow(added.clone()));
                    on_picked.emit(());
                });
                html! { <li><button class="pick-result" disabled={taken} onclick={on_click}>{ label }</button></li> }
            })
            .collect::<Html>()
    });
    html! {
        <div class="pick-panel">
            <label class="pick-query">{ format!("{}{}", tr(lang, "查找", "Find "), kind) }
                <input id="pick-q" placeholder={tr(lang, "姓名、身份证后几位或地址", "name, last digits of the ID, or address")}
                    value={(*query).clone()} oninput={on_input} onkeydown={on_key} /></label>
            <button id="pick-search" class="secondary" onclick={run.reform(|_| ())}>{ tr(lang, "查找", "Search") }</button>
            <ul class="pick-results">{ results }</ul>
        </div>
    }
}
