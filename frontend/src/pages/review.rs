//! For the town coordination centre (报表准入): every template request of
//! the district with its burden analysis, approved or rejected with a reason.

use std::collections::HashMap;

use ybt_core::api::{DecisionRequest, TemplateRequest};
use ybt_core::messages::Text;
use ybt_core::review::{Decision, ReviewField, ReviewStatus};
use yew::prelude::*;

use crate::api;
use crate::components::finding_list::FindingList;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
}

fn fields(list: &[ReviewField]) -> Html {
    html! {
        <span>{ for list.iter().map(|f| html! { <span class="chip" title={f.item.clone().unwrap_or_default()}>{ &f.title }</span> }) }</span>
    }
}

#[function_component(ReviewPage)]
pub fn review_page(props: &Props) -> Html {
    let lang = props.lang;
    let requests = use_state(Vec::<TemplateRequest>::new);
    let reasons = use_state(HashMap::<String, String>::new);
    let error = use_state(|| None::<Text>);
    let reload = use_state(|| 0u32);
    {
        let (requests, error) = (requests.clone(), error.clone());
        use_effect_with(*reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::template_requests().await {
                    Ok(mut list) => {
                        list.sort_by_key(|r| r.status != ReviewStatus::Pending);
                        requests.set(list);
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        });
    }
    let decide = |id: String, decision: Decision| {
        let (reasons, error, reload) = (reasons.clone(), error.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let request = DecisionRequest { decision, reason: reasons.get(&id).cloned().unwrap_or_default() };
            let (id, error, reload) = (id.clone(), error.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::decide(&id, &request).await {
                    Ok(_) => {
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        })
    };
    let on_reason = |id: String| {
        let reasons = reasons.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*reasons).clone();
            next.insert(id.clone(), e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value());
            reasons.set(next);
        })
    };
    html! {
        <section class="panel">
            <h2>{ tr(lang, "报表准入审核", "Template review (报表准入)") }</h2>
            if let Some(message) = &*error { <p class="error" role="alert" id="review-error">{ lang.pick(message) }</p> }
            if requests.is_empty() { <p class="meta">{ tr(lang, "暂无申请", "No requests") }</p> }
            { for requests.iter().map(|r| {
                let a = &r.analysis;
                let pending = r.status == ReviewStatus::Pending;
                html! {
                    <article class="request" data-request={r.id.clone()} data-template={r.template_id.clone()}>
                        <h3>{ &r.title }{ format!(" · {} v{} · {}", r.template_id, r.version, r.department) }
                            <span class={format!("status {}", r.status.as_str())}>{ lang.pick(&r.status.title()) }</span></h3>
                        <dl class="analysis">
                            <dt>{ tr(lang, "台账已有（自动填入）", "Already in the ledger (pre-filled)") }</dt><dd class="ledger-fields">{ a.ledger_fields.len() }{ " " }{ fields(&a.ledger_fields) }</dd>
                            <dt>{ tr(lang, "新增填报字段", "New fields") }</dt><dd class="new-fields">{ a.new_fields.len() }{ " " }{ fields(&a.new_fields) }</dd>
                            <dt>{ tr(lang, "与台账或在用报表重复", "Repeats the ledger or a live template") }</dt>
                            <dd class="duplicates" data-count={a.findings.len().to_string()}>
                                { a.findings.len() }
                                <FindingList lang={lang} findings={a.findings.clone()} />
                            </dd>
                            <dt>{ tr(lang, "涉及本辖区村（社区）", "Villages of our area") }</dt>
                            <dd class="villages" data-villages={a.villages.to_string()}>{ a.villages }
                                { for a.district_villages.map(|all| html! { <span class="meta">{ match lang { Lang::Zh => format!("（全区共 {all} 个）"), Lang::En => format!(" (district: {all})") } }</span> }) }</dd>
                            <dt>{ tr(lang, "预计每村用时", "Estimated minutes per village") }</dt>
                            <dd class="minutes">{ format!("{} {} （{} {}，{} {} {}）", a.minutes_per_village, tr(lang, "分钟", "min"), a.rows_per_village, tr(lang, "行/村", "rows per village"), tr(lang, "本辖区合计", "our area:"), a.total_hours, tr(lang, "小时", "hours")) }</dd>
                        </dl>
                        <p class="meta">{ format!("{} {} {}", r.submitted_by, tr(lang, "提交于", "filed"), ybt_core::time::beijing(&r.submitted_at)) }</p>
                        if pending {
                            <div class="decide">
                                <textarea class="reason-input" rows="2" placeholder={tr(lang, "驳回理由（驳回时必填）", "Reason (required to reject)")}
                                    value={reasons.get(&r.id).cloned().unwrap_or_default()} oninput={on_reason(r.id.clone())} />
                                <button class="primary approve" onclick={decide(r.id.clone(), Decision::Approve)}>{ tr(lang, "准入", "Approve") }</button>
                                <button class="reject" onclick={decide(r.id.clone(), Decision::Reject)}>{ tr(lang, "驳回", "Reject") }</button>
                            </div>
                        } else {
                            <p class="decision">{ r.decided_by.clone().unwrap_or_default() }{ " " }{ r.decided_at.as_deref().map(ybt_core::time::beijing).unwrap_or_default() }{ " " }{ r.reason.clone().unwrap_or_default() }</p>
                        }
                    </article>
                }
            }) }
        </section>
    }
}
