//! A task opened from the inbox or an address, as a survey or as a form.

use std::rc::Rc;

use ybt_core::api::TaskSummary;
use yew::prelude::*;

use crate::pages::task::Opened;

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

/// What the page decided: not yet (or a survey's task: the survey page
/// opens), or an ordinary task with the answer to opening it.
#[derive(Clone, PartialEq)]
enum Decided {
    Asking,
    Form(Opened),
}

/// A task opened from anywhere (the home inbox, an address): a survey's
/// task opens only as a survey, never as an ordinary form. Known surveys
/// (kept on this device) decide at once, offline too; otherwise the
/// reader's surveys are asked whether the task's dispatch is one of them —
/// and at the same time the task's form (`POST …/form` opens a task either
/// way), so that an ordinary task's form is not one more round trip away
/// (issue 14: 150 ms and more on a village phone), and a survey's is handed
/// to the survey page, kept as it came (`state::keep_opened`).
#[function_component(OpenTask)]
pub fn open_task(props: &OpenTaskProps) -> Html {
    let decided = use_state(|| Decided::Asking);
    {
        let (decided, task_id, open_survey) = (decided.clone(), props.task_id.clone(), props.open_survey.clone());
        use_effect_with(props.task_id.clone(), move |_| {
            decided.set(Decided::Asking);
            if let Some(task) = survey_io::load::<TaskSummary>(&task_key(&task_id)) {
                open_survey.emit(task);
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                let (surveys, answer) = futures::future::join(crate::api::surveys(), crate::api::open_task_kept(&task_id)).await;
                let (answer, kept) = match answer {
                    Ok((form, text)) => {
                        let task = form.task.clone();
                        (Ok(form), Some((task, text)))
                    }
                    Err(failure) => (Err(failure), None),
                };
                let form = Opened { task_id: task_id.clone(), answer: Rc::new(answer) };
                let surveys = surveys.unwrap_or_default();
                let Some(survey) = surveys.iter().find(|s| task_id.starts_with(&format!("{}-", s.dispatch_id))) else {
                    return decided.set(Decided::Form(form));
                };
                let tasks = crate::api::dispatch_tasks(&survey.dispatch_id).await.unwrap_or_default();
                match tasks.into_iter().find(|t| t.id == task_id) {
                    Some(task) => {
                        // The form is in hand: the survey page takes it
                        // rather than asking for it again.
                        if let Some((answered, text)) = kept {
                            super::state::keep_opened(&answered, &text);
                        }
                        open_survey.emit(task)
                    }
                    None => decided.set(Decided::Form(form)),
                }
            });
        });
    }
    match &*decided {
        Decided::Form(opened) => html! {
            <crate::pages::task::TaskPage lang={props.lang} task_id={props.task_id.clone()} back={props.back.clone()}
                opened={opened.clone()} />
        },
        _ => html! { <p class="loading">{ tr(props.lang, "正在打开…", "Opening…") }</p> },
    }
}
