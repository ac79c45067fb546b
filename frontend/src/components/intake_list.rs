//! The town coordinator's list of new records queued by closed surveys
//! (新增对象审核): each with what it would add to the ledger, the fields
//! still missing (an input per field), accept, and reject with a reason.

use std::collections::BTreeMap;

use ybt_core::survey::intake::{IntakeEntry, IntakeStatus};
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
}

#[function_component(IntakeList)]
pub fn intake_list(props: &Props) -> Html {
    let lang = props.lang;
    let entries = use_state(Vec::<IntakeEntry>::new);
    let message = use_state(|| None::<String>);
    // Completion values and reasons typed, by entry id (and field).
    let data = use_state(BTreeMap::<(String, String), String>::new);
    let reasons = use_state(BTreeMap::<String, String>::new);
    let refresh = use_state(|| 0u32);
    {
        let (entries, message) = (entries.clone(), message.clone());
        use_effect_with(*refresh, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::pending_intake().await {
                    Ok(list) => entries.set(list),
                    Err(e) => message.set(Some(e.both())),
                }
            });
        });
    }
    let decide = {
        let (data, reasons, message, refresh) = (data.clone(), reasons.clone(), message.clone(), refresh.clone());
        move |id: String, accept: bool| {
            let (data, reasons, message, refresh) = (data.clone(), reasons.clone(), message.clone(), refresh.clone());
            Callback::from(move |_: MouseEvent| {
                let completed: serde_json::Map<String, serde_json::Value> = data
                    .iter()
                    .filter(|((entry, _), v)| *entry == id && !v.trim().is_empty())
                    .map(|((_, field), v)| (field.clone(), serde_json::Value::String(v.trim().to_owned())))
                    .collect();
                let body = if accept {
                    serde_json::json!({ "decision": "accept", "data": completed })
                } else {
                    serde_json::json!({ "decision": "reject", "reason": reasons.get(&id).cloned().unwrap_or_default() })
                };
                let (id, message, refresh) = (id.clone(), message.clone(), refresh.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::decide_intake(&id, &body).await {
                        Ok(e) => {
                            let done = match (e.status, lang) {
                                (IntakeStatus::Accepted, Lang::Zh) => format!("已纳入台账：{}", e.record_id.unwrap_or_default()),
                                (IntakeStatus::Accepted, Lang::En) => format!("added to the ledger: {}", e.record_id.unwrap_or_default()),
                                _ => tr(lang, "已驳回", "rejected").to_owned(),
                            };
                            message.set(Some(done));
                            refresh.set(*refresh + 1);
                        }
                        Err(e) => message.set(Some(e.both())),
                    }
                });
            })
        }
    };
    if entries.is_empty() && message.is_none() {
        return html! {};
    }
    html! {
        <div class="intake" id="intake">
            <h3>{ tr(lang, "待审核的新增对象", "New records awaiting review") }</h3>
            <p class="hint">{ tr(lang, "摸排中新增的对象须经镇街审核后才纳入台账。", "Records added during a survey join the ledger only after the town reviews them.") }</p>
            if let Some(m) = &*message { <p class="status" id="intake-message">{ m }</p> }
            <ul class="intake-list">
                { for entries.iter().map(|e| {
                    let summary = e.proposed.iter().map(|(k, v)| format!("{k}: {}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))).collect::<Vec<_>>().join(" · ");
                    let on_reason = {
                        let (reasons, id) = (reasons.clone(), e.id.clone());
                        Callback::from(move |ev: InputEvent| {
                            let mut next = (*reasons).clone();
                            next.insert(id.clone(), ev.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                            reasons.set(next);
                        })
                    };
                    html! {
                        <li class="intake-entry" data-id={e.id.clone()}>
                            <strong>{ format!("{} · {} · {}", e.org_unit_name, e.entity, e.title) }</strong>
                            <div class="proposed">{ summary }</div>
                            { for e.problems.iter().map(|p| {
                                let field = p.pointer.trim_start_matches("/data/").to_owned();
                                let on_input = {
                                    let (data, key) = (data.clone(), (e.id.clone(), field.clone()));
                                    Callback::from(move |ev: InputEvent| {
                                        let mut next = (*data).clone();
                                        next.insert(key.clone(), ev.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                                        data.set(next);
                                    })
                                };
                                html! { <label class="problem">{ lang.pick(&p.message) }
                                    <input class="complete" data-field={field.clone()} placeholder={field} oninput={on_input} /></label> }
                            }) }
                            <button class="accept primary" onclick={decide(e.id.clone(), true)}>{ tr(lang, "接受并纳入台账", "Accept into the ledger") }</button>
                            <input class="reason" placeholder={tr(lang, "驳回理由", "reason to reject")} oninput={on_reason} />
                            <button class="reject" onclick={decide(e.id.clone(), false)}>{ tr(lang, "驳回", "Reject") }</button>
                        </li>
                    }
                }) }
            </ul>
        </div>
    }
}
