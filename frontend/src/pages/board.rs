//! The completion board of one dispatch: every village's status with the
//! counts, refreshed every few seconds; a submission can be opened
//! (read-only, masked as for any reader) and returned for correction with a
//! comment.

use std::collections::HashMap;

use ybt_core::api::{Board, StoredSubmission};
use ybt_core::messages::Text;
use ybt_core::tasks::TaskStatus;
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};

/// Seconds between refreshes of the board.
const REFRESH_MS: i32 = 3000;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub dispatch_id: String,
    pub back: Callback<()>,
}

#[function_component(BoardPage)]
pub fn board_page(props: &Props) -> Html {
    let lang = props.lang;
    let board = use_state(|| None::<Board>);
    let error = use_state(|| None::<Text>);
    let comments = use_state(HashMap::<String, String>::new);
    let tick = use_state(|| 0u32);
    // The submission opened for reading, with its village's name.
    let opened = use_state(|| None::<(String, StoredSubmission)>);
    {
        // Each tick loads the board, waits, then moves to the next tick. Once
        // the page is gone its state handles no longer re-render: it stops.
        let (board, error, tick, id) = (board.clone(), error.clone(), tick.clone(), props.dispatch_id.clone());
        use_effect_with(*tick, move |n| {
            let n = *n;
            wasm_bindgen_futures::spawn_local(async move {
                match api::board(&id).await {
                    Ok(b) => board.set(Some(b)),
                    Err(e) => error.set(Some(e.message())),
                }
                api::sleep(REFRESH_MS).await;
                tick.set(n + 1);
            });
        });
    }
    let on_comment = |task: String| {
        let comments = comments.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*comments).clone();
            next.insert(task.clone(), e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
            comments.set(next);
        })
    };
    let on_return = |task: String| {
        let (comments, error, board, id) = (comments.clone(), error.clone(), board.clone(), props.dispatch_id.clone());
        Callback::from(move |_: MouseEvent| {
            let comment = comments.get(&task).cloned().unwrap_or_default();
            let (task, error, board, id) = (task.clone(), error.clone(), board.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::return_task(&task, &comment).await {
                    Ok(_) => {
                        error.set(None);
                        if let Ok(b) = api::board(&id).await {
                            board.set(Some(b));
                        }
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        })
    };
    let on_open = |submission: String, village: String| {
        let (opened, error) = (opened.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (submission, village, opened, error) = (submission.clone(), village.clone(), opened.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::stored_submission(&submission).await {
                    Ok(s) => {
                        error.set(None);
                        opened.set(Some((village, s)));
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        })
    };
    let on_close = {
        let opened = opened.clone();
        Callback::from(move |_: MouseEvent| opened.set(None))
    };
    let back = props.back.reform(|_: MouseEvent| ());
    let Some(b) = &*board else {
        return html! { <p class="loading">{ tr(lang, "加载中…", "Loading…") }</p> };
    };
    let c = &b.dispatch.counts;
    html! {
        <section class="panel">
            <button class="back" onclick={back}>{ tr(lang, "← 返回", "← Back") }</button>
            <h2>{ &b.dispatch.title }{ format!(" · {} {}", tr(lang, "截止", "due"), b.dispatch.due_date) }</h2>
            <p id="board-counts" class="counts" data-not-opened={c.not_opened.to_string()} data-draft={c.draft.to_string()}
                data-submitted={c.submitted.to_string()} data-returned={c.returned.to_string()} data-total={c.total.to_string()}>
                { format!("{} {} · {} {} · {} {} · {} {} · {} {}",
                    tr(lang, "未打开", "not opened"), c.not_opened, tr(lang, "填报中", "in progress"), c.draft,
                    tr(lang, "已提交", "submitted"), c.submitted, tr(lang, "已退回", "returned"), c.returned, tr(lang, "共", "total"), c.total) }
            </p>
            if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
            <div class="table-wrap">
                <table class="form-table" id="board">
                    <thead><tr>
                        <th>{ tr(lang, "村（社区）", "Village") }</th><th>{ tr(lang, "状态", "Status") }</th>
                        <th>{ tr(lang, "提交时间", "Submitted") }</th><th>{ tr(lang, "退回说明", "Return comment") }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for b.tasks.iter().map(|task| html! {
                            <tr data-task={task.id.clone()} data-org-unit={task.org_unit.clone()} data-status={task.status.as_str()}>
                                <td title={task.org_unit.clone()}>{ &task.org_unit_name }</td>
                                <td><span class={format!("status {}", task.status.as_str())}>{ lang.pick(&task.status.title()) }</span></td>
                                <td class="when">{ task.submitted_at.as_deref().map(ybt_core::time::beijing).unwrap_or_default() }</td>
                                <td class="comment">{ if task.status == TaskStatus::Returned { task.return_comment.clone().unwrap_or_default() } else { String::new() } }</td>
                                <td class="row-actions">
                                    if let Some(submission) = &task.submission_id {
                                        <button class="secondary open-submission" aria-label={format!("{} {}", tr(lang, "查看提交", "Open the submission of"), task.org_unit_name)}
                                            onclick={on_open(submission.clone(), task.org_unit_name.clone())}>{ tr(lang, "查看", "Open") }</button>
                                    }
                                    if task.status == TaskStatus::Submitted {
                                        <input class="return-comment" aria-label={format!("{} {}", tr(lang, "退回原因", "Why return"), task.org_unit_name)} placeholder={tr(lang, "退回原因", "Why")} value={comments.get(&task.id).cloned().unwrap_or_default()} oninput={on_comment(task.id.clone())} />
                                        <button class="return" onclick={on_return(task.id.clone())}>{ tr(lang, "退回修改", "Return") }</button>
                                    }
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            if let Some((village, s)) = &*opened {
                <section class="submission-view" id="submission-view" aria-label={format!("{} · {}", village, tr(lang, "提交内容（只读）", "submission (read-only)"))}>
                    <h3>{ format!("{} · {} {} · {} {}", village, tr(lang, "版本", "version"), s.receipt.template_version,
                        tr(lang, "提交于", "submitted"), ybt_core::time::beijing(&s.receipt.submitted_at)) }</h3>
                    <p class="meta">{ format!("{} {} · {}", s.rows.len(), tr(lang, "行", "rows"), tr(lang, "只读，敏感信息按权限脱敏", "read-only, sensitive values masked by grant")) }</p>
                    <div class="table-wrap">
                        <table class="form-table" id="submission-rows">
                            <thead><tr>{ for s.columns.iter().map(|c| html! { <th data-key={c.key.clone()}>{ &c.title }</th> }) }</tr></thead>
                            <tbody>
                                { for s.rows.iter().map(|r| html! {
                                    <tr>{ for s.columns.iter().map(|c| html! {
                                        <td data-key={c.key.clone()}>{ r.values.get(&c.key).map(|x| match x { serde_json::Value::String(t) => t.clone(), other => other.to_string() }).unwrap_or_default() }</td>
                                    }) }</tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                    <button class="secondary" id="submission-close" onclick={on_close}>{ tr(lang, "关闭", "Close") }</button>
                </section>
            }
        </section>
    }
}
