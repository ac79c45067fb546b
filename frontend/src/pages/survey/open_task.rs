//! A task opened from the inbox or an address, as a survey or as a form.

use ybt_core::api::TaskSummary;
use yew::prelude::*;

use crate::i18n::{Lang, tr};
use crate::survey_io::{self, task_key};

#[derive(Properties, PartialEq)]
pub struct OpenTaskProps {
    pub lang: Lang,
    pub task_id: String,
    /// Opens the task as a survey (its own page and address).
    pub open_survey: Callback<TaskSummary>,
    pub back: Callback<()>,
}

/// A task opened from anywhere (the home inbox, an address): a survey's
/// task opens only as a survey, never as an ordinary form. Known surveys
/// (kept on this device) decide at once, offline too; otherwise the
/// reader's surveys are asked whether the task's dispatch is one of them.
#[function_component(OpenTask)]
pub fn open_task(props: &OpenTaskProps) -> Html {
    let decided = use_state(|| None::<bool>);
    {
        let (decided, task_id, open_survey) = (decided.clone(), props.task_id.clone(), props.open_survey.clone());
        use_effect_with(props.task_id.clone(), move |_| {
            if let Some(task) = survey_io::load::<TaskSummary>(&task_key(&task_id)) {
                open_survey.emit(task);
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                let surveys = crate::api::surveys().await.unwrap_or_default();
                let Some(survey) = surveys.iter().find(|s| task_id.starts_with(&format!("{}-", s.dispatch_id))) else {
                    decided.set(Some(false));
                    return;
                };
                let tasks = crate::api::dispatch_tasks(&survey.dispatch_id).await.unwrap_or_default();
                match tasks.into_iter().find(|t| t.id == task_id) {
                    Some(task) => open_survey.emit(task),
                    None => decided.set(Some(false)),
                }
            });
        });
    }
    match *decided {
        Some(false) => {
            html! { <crate::pages::task::TaskPage lang={props.lang} task_id={props.task_id.clone()} back={props.back.clone()} /> }
        }
        _ => html! { <p class="loading">{ tr(props.lang, "正在打开…", "Opening…") }</p> },
    }
}
