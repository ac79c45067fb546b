//! 迁移申请: village staff ask for a person registered in another village of
//! the district to move into theirs; the town centre (or the district's
//! 行政专员, across towns) sees where the record lies and approves or
//! rejects. The rules are `ybt_core::ledger::transfer`.

use std::collections::BTreeMap;

use ybt_core::access::Role;
use ybt_core::api::Me;
use ybt_core::ledger::transfer::{NewTransfer, TransferStatus, TransferView};
use ybt_core::messages::Text;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub me: Me,
}

fn status_text(lang: Lang, status: TransferStatus) -> &'static str {
    match status {
        TransferStatus::Pending => tr(lang, "待处理", "pending"),
        TransferStatus::Approved => tr(lang, "已迁入", "moved"),
        TransferStatus::Rejected => tr(lang, "未同意", "rejected"),
    }
}

/// Field errors of a refused request, by pointer (`/key`, `/reason`).
fn field_errors(failure: &ApiFailure) -> BTreeMap<String, Text> {
    match failure {
        ApiFailure::Server { body, .. } => body.error.fields.iter().map(|f| (f.pointer.clone(), f.message.clone())).collect(),
        ApiFailure::Network { .. } => BTreeMap::new(),
    }
}

#[function_component(TransfersPage)]
pub fn transfers_page(props: &Props) -> Html {
    let lang = props.lang;
    let list = use_state(|| None::<Vec<TransferView>>);
    let message = use_state(|| None::<Text>);
    let errors = use_state(BTreeMap::<String, Text>::new);
    let key = use_state(String::new);
    let reason = use_state(String::new);
    let notes = use_state(BTreeMap::<String, String>::new);
    let busy = use_state(|| false);
    let refresh = use_state(|| 0u32);
    // One id per request typed: a retried send is the same request.
    let request_id = use_mut_ref(api::new_id);
    {
        let (list, message) = (list.clone(), message.clone());
        use_effect_with(*refresh, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::transfers().await {
                    Ok(l) => list.set(Some(l)),
                    Err(e) => message.set(Some(e.message())),
                }
            });
        });
    }
    let village = props.me.user.role == Role::VillageStaff;
    let on_submit = {
        let (key, reason, message, errors, busy, refresh, request_id) =
            (key.clone(), reason.clone(), message.clone(), errors.clone(), busy.clone(), refresh.clone(), request_id.clone());
        let to = props.me.user.org_unit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            let request = NewTransfer {
                request_id: request_id.borrow().clone(),
                entity: "person".into(),
                key: (*key).clone(),
                to_org_unit: to.clone(),
                reason: (*reason).clone(),
            };
            let (key, reason, message, errors, busy, refresh, request_id) =
                (key.clone(), reason.clone(), message.clone(), errors.clone(), busy.clone(), refresh.clone(), request_id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::request_transfer(&request).await {
                    Ok(answer) => {
                        errors.set(BTreeMap::new());
                        message.set(Some(answer.message));
                        key.set(String::new());
                        reason.set(String::new());
                        *request_id.borrow_mut() = api::new_id();
                        refresh.set(*refresh + 1);
                    }
                    Err(failure) => {
                        errors.set(field_errors(&failure));
                        message.set(Some(failure.message()));
                    }
                }
                busy.set(false);
            });
        })
    };
    let decide = {
        let (notes, message, refresh, busy) = (notes.clone(), message.clone(), refresh.clone(), busy.clone());
        move |id: String, approve: bool| {
            let (notes, message, refresh, busy) = (notes.clone(), message.clone(), refresh.clone(), busy.clone());
            Callback::from(move |_: MouseEvent| {
                if *busy {
                    return;
                }
                busy.set(true);
                let note = notes.get(&id).cloned().unwrap_or_default();
                let (id, message, refresh, busy) = (id.clone(), message.clone(), refresh.clone(), busy.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::decide_transfer(&id, approve, &note).await {
                        Ok(view) => {
                            let done = match view.status {
                                TransferStatus::Approved => {
                                    Text::new(format!("已迁入{}", view.to_name), format!("moved to {}", view.to_name))
                                }
                                _ => Text::new("已答复：未同意", "answered: rejected"),
                            };
                            message.set(Some(done));
                            refresh.set(*refresh + 1);
                        }
                        Err(e) => message.set(Some(e.message())),
                    }
                    busy.set(false);
                });
            })
        }
    };
    let input = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
    };
    let textarea = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value()))
    };
    let error_of = |pointer: &str, id: &'static str| {
        errors.get(pointer).map(|m| html! { <p class="field-error" id={id}>{ lang.pick(m) }</p> }).unwrap_or_default()
    };
    let form = village.then(|| {
        let key_error = errors.contains_key("/key");
        html! {
            <form class="transfer-form" id="transfer-form" onsubmit={on_submit} novalidate=true>
                <h3>{ tr(lang, "申请迁入本村（社区）", "Ask for a person to move here") }</h3>
                <p class="hint">{ tr(lang,
                    "录入或导入时提示“已在本区其他村（社区）登记”的人员，在这里申请迁入。乡镇协同中心核实后办理，结果显示在下面。",
                    "For a person the ledger says is registered in another village: ask here. The town centre checks and decides; the answer shows below.") }</p>
                <label for="transfer-key">{ tr(lang, "身份证号", "ID number") }<span class="required-mark" aria-hidden="true">{ "*" }</span></label>
                <input id="transfer-key" class={classes!(key_error.then_some("invalid"))} value={(*key).clone()} oninput={input(&key)}
                    maxlength="18" autocomplete="off" required=true aria-invalid={key_error.to_string()}
                    aria-describedby={key_error.then_some("transfer-key-error")} />
                { error_of("/key", "transfer-key-error") }
                <label for="transfer-reason">{ tr(lang, "原因（选填）", "Reason (optional)") }</label>
                <textarea id="transfer-reason" value={(*reason).clone()} oninput={textarea(&reason)} maxlength="200"
                    placeholder={tr(lang, "如：婚嫁迁入、购房落户", "e.g. married into the village")} />
                { error_of("/reason", "transfer-reason-error") }
                <button type="submit" class="primary" disabled={*busy}>{ tr(lang, "提交迁移申请", "Request the transfer") }</button>
            </form>
        }
    });
    let items = match &*list {
        None => html! { <p class="loading">{ tr(lang, "加载中…", "Loading…") }</p> },
        Some(l) if l.is_empty() => html! { <p class="empty" id="transfers-empty">{ tr(lang, "没有迁移申请", "No transfer requests") }</p> },
        Some(l) => html! {
            <ul class="transfer-list" id="transfer-list">
                { for l.iter().map(|t| {
                    let where_from = t.found.as_ref().map(|f| html! {
                        <p class="found">{ match lang {
                            Lang::Zh => format!("{} · 现登记在 {}", f.name, f.from_name),
                            Lang::En => format!("{} · registered in {}", f.name, f.from_name),
                        } }</p>
                    });
                    let decided = t.decided_by.as_ref().map(|by| html! {
                        <p class="decided">{ format!("{} {} · {}{}", tr(lang, "处理人", "by"), by, t.decided_at.clone().unwrap_or_default(),
                            t.note.as_ref().filter(|n| !n.is_empty()).map(|n| format!(" · {n}")).unwrap_or_default()) }</p>
                    });
                    let note_id = format!("note-{}", t.id);
                    let on_note = {
                        let (notes, id) = (notes.clone(), t.id.clone());
                        Callback::from(move |e: InputEvent| {
                            let mut next = (*notes).clone();
                            next.insert(id.clone(), e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                            notes.set(next);
                        })
                    };
                    let actions = t.may_decide.then(|| html! {
                        <div class="transfer-actions">
                            if let Some(b) = &t.blocked { <p class="blocked">{ lang.pick(b) }</p> }
                            if t.blocked.is_none() {
                                <button class="approve primary" onclick={decide(t.id.clone(), true)} disabled={*busy}>
                                    { tr(lang, "同意迁入", "Approve the move") }</button>
                            }
                            <label for={note_id.clone()}>{ tr(lang, "不同意的原因", "Reason to reject") }</label>
                            <input id={note_id} class="note" oninput={on_note} maxlength="200" />
                            <button class="reject" onclick={decide(t.id.clone(), false)} disabled={*busy}>{ tr(lang, "不同意", "Reject") }</button>
                        </div>
                    });
                    html! {
                        <li class="transfer" data-status={t.status.as_str()} data-id={t.id.clone()}>
                            <p class="transfer-head">
                                <span class={classes!("status-chip", t.status.as_str())}>{ status_text(lang, t.status) }</span>
                                <span class="key">{ &t.key }</span>
                                <span>{ match lang { Lang::Zh => format!("→ 迁入 {}", t.to_name), Lang::En => format!("→ into {}", t.to_name) } }</span>
                            </p>
                            { where_from }
                            <p class="meta">{ format!("{} {} · {}{}", tr(lang, "申请人", "asked by"), t.requested_by, t.requested_at,
                                if t.reason.is_empty() { String::new() } else { format!(" · {}", t.reason) }) }</p>
                            { decided }
                            { actions }
                        </li>
                    }
                }) }
            </ul>
        },
    };
    html! {
        <section class="transfers" id="transfers">
            <h2>{ tr(lang, "迁移申请", "Transfers") }</h2>
            <p class="notice" id="transfer-message" role="status" aria-live="polite">
                { message.as_ref().map(|m| lang.pick(m).to_owned()).unwrap_or_default() }
            </p>
            { form }
            { items }
        </section>
    }
}
