//! A survey's live board: per village, town and in total, polled every
//! few seconds; closing it confirms with the villages not yet reported.

use ybt_core::survey::SurveyBoard;
use ybt_core::tasks::TaskStatus;
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};
use crate::timer::Interval;

/// How often the board is fetched again.
const POLL_MS: u32 = 3_000;

#[derive(Properties, PartialEq)]
pub struct BoardProps {
    pub lang: Lang,
    pub dispatch_id: String,
    pub can_close: bool,
}

/// The live board, fetched again every [`POLL_MS`]. Readable on a phone:
/// the tables scroll sideways inside their box, names do not break per
/// character, photos are thumbnails (a tap opens the full photo).
#[function_component(Board)]
pub fn board_view(props: &BoardProps) -> Html {
    let lang = props.lang;
    let board = use_state(|| None::<SurveyBoard>);
    let error = use_state(|| None::<String>);
    let tick = use_state(|| 0u32);
    let confirming = use_state(|| false);
    let busy = use_state(|| false);
    {
        let (board, error, id) = (board.clone(), error.clone(), props.dispatch_id.clone());
        use_effect_with((props.dispatch_id.clone(), *tick), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::survey_board(&id).await {
                    Ok(b) => board.set(Some(b)),
                    Err(e) => error.set(Some(e.both())),
                }
            });
        });
    }
    {
        let tick = tick.clone();
        use_effect_with(props.dispatch_id.clone(), move |_| {
            let interval = Interval::new(POLL_MS, move || tick.set(*tick + 1));
            move || drop(interval)
        });
    }
    let on_close = {
        let (id, error, tick, confirming, busy) =
            (props.dispatch_id.clone(), error.clone(), tick.clone(), confirming.clone(), busy.clone());
        Callback::from(move |_: MouseEvent| {
            if *busy {
                return;
            }
            busy.set(true);
            let (id, error, tick, confirming, busy) = (id.clone(), error.clone(), tick.clone(), confirming.clone(), busy.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::close_survey(&id).await {
                    Ok(a) => error.set(Some(match lang {
                        Lang::Zh => format!(
                            "已结束：{} 条台账记录写入灾情记录，{} 个新对象待审核；此后不再接收填报",
                            a.records_updated, a.queued_for_review
                        ),
                        Lang::En => format!(
                            "closed: {} records updated, {} queued for review; no more reports are taken",
                            a.records_updated, a.queued_for_review
                        ),
                    })),
                    Err(e) => error.set(Some(e.both())),
                }
                confirming.set(false);
                busy.set(false);
                tick.set(*tick + 1);
            });
        })
    };
    let Some(b) = &*board else {
        return html! { <p class="loading">{ error.as_deref().unwrap_or("…") }</p> };
    };
    let head = |first: &str| {
        html! {
            <tr><th class="name">{ first.to_owned() }</th><th>{ tr(lang, "已报", "Submitted") }</th>
                { for b.figures.iter().map(|f| html! { <th>{ &f.title }</th> }) }</tr>
        }
    };
    let line = |l: &ybt_core::survey::BoardLine, class: &'static str, label: String| {
        let state = match l.status {
            Some(TaskStatus::Submitted) if l.nothing_to_report > 0 => {
                tr(lang, "已提交（无灾情）", "submitted (nothing to report)").to_owned()
            }
            Some(s) if l.villages == 1 => lang.pick(&s.title()).to_owned(),
            _ if l.nothing_to_report > 0 => match lang {
                Lang::Zh => format!("{}/{}（无灾情 {}）", l.submitted, l.villages, l.nothing_to_report),
                Lang::En => format!("{}/{} ({} none)", l.submitted, l.villages, l.nothing_to_report),
            },
            _ => format!("{}/{}", l.submitted, l.villages),
        };
        html! {
            <tr class={class} data-unit={l.org_unit.clone()} data-status={l.status.map(|s| s.as_str())}>
                <th scope="row" class="name">{ label }</th><td class="state">{ state }</td>
                { for b.figures.iter().map(|f| html! { <td class="figure" data-key={f.key.clone()}>{ l.figures.get(&f.key).copied().unwrap_or(0.0) }</td> }) }
            </tr>
        }
    };
    let missing = b.not_reported();
    let close_box = (*confirming).then(|| {
        let cancel = { let confirming = confirming.clone(); Callback::from(move |_: MouseEvent| confirming.set(false)) };
        html! {
            <div class="confirm" id="close-confirm-box" role="alertdialog" aria-labelledby="close-confirm-text">
                <p id="close-confirm-text">{ match lang {
                    Lang::Zh if missing.is_empty() => "所有村（社区）都已提交。结束后写入台账，不再接收填报。确认结束？".to_owned(),
                    Lang::Zh => format!("还有 {} 个村（社区）没有提交。结束后写入台账，这些村不能再填报。确认结束？", missing.len()),
                    Lang::En => format!("{} villages have not reported; after closing no more reports are taken. Close?", missing.len()),
                } }</p>
                if !missing.is_empty() {
                    <ul class="not-reported" id="not-reported">
                        { for missing.iter().take(60).map(|v| html! {
                            <li>{ format!("{}（{}）", v.name, v.status.map(|s| lang.pick(&s.title()).to_owned()).unwrap_or_default()) }</li> }) }
                        if missing.len() > 60 { <li>{ format!("…… 另有 {} 个", missing.len() - 60) }</li> }
                    </ul>
                }
                <button id="survey-close-confirm" class="primary" disabled={*busy} onclick={on_close.clone()}>{ tr(lang, "确认结束并写入台账", "Close and write to the ledger") }</button>
                <button class="secondary" onclick={cancel}>{ tr(lang, "取消", "Cancel") }</button>
            </div>
        }
    });
    let ask_close = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(true))
    };
    html! {
        <div class="board" id="board">
            <h3>{ format!("{} · {}", b.survey.title, b.survey.scope_name) }</h3>
            <p class="meta">{ match lang {
                Lang::Zh => format!("截止 {} · {} 发起 · {}", b.survey.due_date, b.survey.started_by, if b.survey.closed_at.is_some() { "已结束" } else { "进行中" }),
                Lang::En => format!("due {} · started by {}", b.survey.due_date, b.survey.started_by),
            } }</p>
            <p class="hint">{ &b.survey.fast_track }</p>
            if props.can_close && b.survey.closed_at.is_none() && !*confirming {
                <button id="survey-close" class="secondary" onclick={ask_close}>{ tr(lang, "结束并写入台账…", "Close and write to the ledger…") }</button>
            }
            { close_box }
            if let Some(e) = &*error { <p class="status" id="board-message" role="status">{ e }</p> }
            <div class="table-wrap">
                <table class="board-table form-table">
                    { head(tr(lang, "范围", "Scope")) }
                    { line(&b.total, "total", format!("{}{}", tr(lang, "合计 · ", "Total · "), b.survey.scope_name)) }
                    { for b.towns.iter().map(|t| line(t, "town", t.name.clone())) }
                </table>
            </div>
            <h4>{ tr(lang, "易涝点", "Flood-prone points") }</h4>
            <ul class="points">
                { for b.points.iter().map(|p| html! {
                    <li class="point"><strong>{ &p.title }</strong>{ format!(" · {}", p.org_unit_name) }
                        <span class="point-photos">
                        { for p.photos.iter().enumerate().map(|(n, h)| html! {
                            <a href={format!("/api/photos/{h}")} target="_blank" rel="noopener">
                                <img class="point-photo thumb" loading="lazy" src={format!("/api/photos/{h}")} alt={format!("{} {} {}", p.title, tr(lang, "照片", "photo"), n + 1)} /></a> }) }
                        </span></li>
                }) }
                if b.points.is_empty() { <li class="empty">{ tr(lang, "暂无", "none yet") }</li> }
            </ul>
            <details open={b.villages.len() <= 30}>
                <summary>{ tr(lang, "各村（社区）", "Villages") }</summary>
                <div class="table-wrap">
                    <table class="board-table form-table">{ head(tr(lang, "村（社区）", "Village")) }{ for b.villages.iter().map(|v| line(v, "village", v.name.clone())) }</table>
                </div>
            </details>
        </div>
    }
}
