//! The village inbox: tasks dispatched to the reader's units, with due
//! dates and status; one click opens a task's form.

use ybt_core::api::TaskSummary;
use ybt_core::tasks::TaskStatus;
use yew::prelude::*;

use crate::api::{self, submission_file_url};
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub on_open: Callback<String>,
}

#[function_component(Inbox)]
pub fn inbox(props: &Props) -> Html {
    let lang = props.lang;
    let tasks = use_state(|| None::<Vec<TaskSummary>>);
    let error = use_state(|| None::<String>);
    {
        let (tasks, error) = (tasks.clone(), error.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::tasks().await {
                    Ok(list) => tasks.set(Some(list)),
                    Err(e) => error.set(Some(e.message().zh)),
                }
            });
        });
    }
    let body = match &*tasks {
        None => html! { <p class="loading">{ tr(lang, "加载中…", "Loading…") }</p> },
        Some(list) if list.is_empty() => html! { <p class="empty" id="no-tasks">{ tr(lang, "暂无任务", "No tasks") }</p> },
        Some(list) => html! {
            <div class="table-wrap">
                <table class="form-table inbox" id="inbox">
                    <thead><tr>
                        <th>{ tr(lang, "报表", "Form") }</th><th>{ tr(lang, "村（社区）", "Village / community") }</th>
                        <th>{ tr(lang, "截止日期", "Due") }</th><th>{ tr(lang, "状态", "Status") }</th><th></th>
                    </tr></thead>
                    <tbody>{ for list.iter().map(|task| row(lang, task, &props.on_open)) }</tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="panel">
            <h2>{ tr(lang, "待办报表任务", "Report tasks") }</h2>
            if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
            { body }
        </section>
    }
}

fn row(lang: Lang, task: &TaskSummary, on_open: &Callback<String>) -> Html {
    let id = task.id.clone();
    let onclick = on_open.reform(move |_: MouseEvent| id.clone());
    let downloads = task.submission_id.as_ref().filter(|_| task.status == TaskStatus::Submitted).map(|sid| {
        html! {
            <>
                <a class="download" href={submission_file_url(sid, "xlsx")} download="">{ "XLSX" }</a>
                <a class="download" href={submission_file_url(sid, "csv")} download="">{ "CSV" }</a>
            </>
        }
    });
    html! {
        <tr class="task" data-task={task.id.clone()} data-template={task.template_id.clone()} data-status={task.status.as_str()}>
            <td><strong>{ &task.title }</strong><span class="dept">{ &task.department }</span></td>
            <td class="task-unit">{ &task.org_unit_name }</td>
            <td class="task-due"><span class="due-label">{ tr(lang, "截止日期", "Due") }{ " " }</span>{ &task.due_date }</td>
            <td>
                <span class={classes!("status", task.status.as_str())}>{ lang.pick(&task.status.title()) }</span>
                if let Some(comment) = &task.return_comment {
                    <span class="return-comment">{ tr(lang, "退回意见", "Returned because") }{ "：" }{ comment }</span>
                }
            </td>
            <td class="task-actions">
                <button class="generate open-task" aria-label={format!("{} {}", tr(lang, "打开", "Open"), task.title)} {onclick}>{ tr(lang, "打开", "Open") }</button>
                { downloads }
            </td>
        </tr>
    }
}
