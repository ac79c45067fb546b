//! This user's survey queue (应急摸排发送队列), on the survey pages and at home.

use yew::prelude::*;

use crate::hooks::use_window_event;
use crate::i18n::{Lang, tr};
use crate::survey_io::{self, Delivery};

#[derive(Properties, PartialEq)]
pub struct OutboxProps {
    pub lang: Lang,
}

/// This user's survey queue: what waits on the device (排队中 / 正在发送)
/// and what recently arrived (已送达) or was refused. Shown on the survey
/// pages and at home, so that a report kept offline is never invisible.
#[function_component(OutboxPanel)]
pub fn outbox_panel(props: &OutboxProps) -> Html {
    let lang = props.lang;
    use_window_event(survey_io::EVENT);
    let queued = survey_io::outbox();
    let outcomes = survey_io::outcomes();
    if queued.is_empty() && outcomes.is_empty() {
        return html! {};
    }
    let retry = { Callback::from(move |_: MouseEvent| survey_io::sync_soon()) };
    html! {
        <div class="outbox panel" id="outbox">
            <h3>{ tr(lang, "应急摸排发送队列", "Survey outbox") }</h3>
            <ul>
                { for queued.iter().map(|q| {
                    let state = match survey_io::delivery(&q.request.submission_id) {
                        Delivery::Sending => tr(lang, "正在发送", "sending"),
                        _ => tr(lang, "排队中", "queued"),
                    };
                    let photos = survey_io::photos_of(&q.request).len();
                    html! {
                        <li class="queued" data-id={q.request.submission_id.clone()}>
                            <span class="state">{ state }</span>{ format!(" {} · {} 行 · {} 张照片", q.label, q.request.rows.len(), photos) }
                        </li>
                    }
                }) }
                { for outcomes.iter().take(5).map(|o| html! {
                    <li class={if o.refused.is_some() { "refused" } else { "delivered" }} data-id={o.submission_id.clone()}>
                        <span class="state">{ if o.refused.is_some() { tr(lang, "未被接收", "refused") } else { tr(lang, "已送达", "delivered") } }</span>
                        { format!(" {} · {} 行 · {}", o.label, o.rows, o.at.get(..16).unwrap_or_default().replace('T', " ")) }
                        if let Some(m) = &o.refused { <span class="error">{ format!("：{}", lang.pick(m)) }</span> }
                    </li>
                }) }
            </ul>
            if !queued.is_empty() { <button class="secondary" id="outbox-retry" onclick={retry}>{ tr(lang, "立即重试", "Retry now") }</button> }
        </div>
    }
}
