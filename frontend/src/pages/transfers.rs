//! 迁移申请: village staff ask for a person registered in another village of
//! the district to move into theirs; the town centre (or the district's
//! 行政专员, across towns) sees where the record lies and approves or
//! rejects. The rules are `ybt_core::ledger::transfer`.
//!
//! 跨区迁移 (issue 16) on the same page: the village picks 外区 and the
//! district the person comes from; the list shows those requests beside
//! the others, marked 跨区, for the destination's centre to receive and
//! then the origin's centre to release (`ybt_core::ledger::district_transfer`).

use std::collections::BTreeMap;

use ybt_core::access::Role;
use ybt_core::api::Me;
use ybt_core::ledger::district_transfer::{DistrictTransferStatus, DistrictTransferView, NewDistrictTransfer, district_of};
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

fn across_status_text(lang: Lang, status: DistrictTransferStatus) -> &'static str {
    match status {
        DistrictTransferStatus::AwaitingReceive => tr(lang, "待接收", "awaiting receipt"),
        DistrictTransferStatus::AwaitingRelease => tr(lang, "待迁出区审核", "awaiting the origin's release"),
        DistrictTransferStatus::Moving => tr(lang, "迁移中", "moving"),
        DistrictTransferStatus::Moved => tr(lang, "已迁入", "moved"),
        DistrictTransferStatus::Rejected => tr(lang, "已驳回", "rejected"),
    }
}

/// Field errors of a refused request, by pointer (`/key`, `/reason`).
fn field_errors(failure: &ApiFailure) -> BTreeMap<String, Text> {
    match failure {
        ApiFailure::Server { body, .. } => body.error.fields.iter().map(|f| (f.pointer.clone(), f.message.clone())).collect(),
        ApiFailure::Network { .. } => BTreeMap::new(),
    }
}

/// The key of a cross-district request's note in the notes map (ids of
/// the two kinds of request are apart).
fn across_note_key(id: &str) -> String {
    format!("across:{id}")
}

#[function_component(TransfersPage)]
pub fn transfers_page(props: &Props) -> Html {
    let lang = props.lang;
    let list = use_state(|| None::<Vec<TransferView>>);
    let across_list = use_state(|| None::<Vec<DistrictTransferView>>);
    let districts = use_state(Vec::<api::ServedDistrict>::new);
    // 外区: the person comes from another district.
    let across = use_state(|| false);
    let from_district = use_state(String::new);
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
        let (list, across_list, message) = (list.clone(), across_list.clone(), message.clone());
        use_effect_with(*refresh, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::transfers().await {
                    Ok(l) => list.set(Some(l)),
                    Err(e) => message.set(Some(e.message())),
                }
                match api::district_transfers().await {
                    Ok(l) => across_list.set(Some(l)),
                    Err(e) => {
                        across_list.set(Some(Vec::new()));
                        message.set(Some(e.message()));
                    }
                }
            });
        });
    }
    let village = props.me.user.role == Role::VillageStaff;
    let own_district = district_of(&props.me.user.org_unit).to_owned();
    {
        let districts = districts.clone();
        use_effect_with(village, move |village| {
            if *village {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(d) = api::served_districts().await {
                        districts.set(d);
                    }
                });
            }
        });
    }
    let on_submit = {
        let (key, reason, message, errors, busy, refresh, request_id) =
            (key.clone(), reason.clone(), message.clone(), errors.clone(), busy.clone(), refresh.clone(), request_id.clone());
        let (across, from_district) = (across.clone(), from_district.clone());
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
            let across_request = (*across).then(|| NewDistrictTransfer {
                request_id: request.request_id.clone(),
                entity: request.entity.clone(),
                key: request.key.clone(),
                from_district: (*from_district).clone(),
                to_org_unit: request.to_org_unit.clone(),
                reason: request.reason.clone(),
            });
            let (key, reason, message, errors, busy, refresh, request_id) =
                (key.clone(), reason.clone(), message.clone(), errors.clone(), busy.clone(), refresh.clone(), request_id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = match &across_request {
                    Some(r) => api::request_district_transfer(r).await.map(|a| a.message),
                    None => api::request_transfer(&request).await.map(|a| a.message),
                };
                match answer {
                    Ok(answer) => {
                        errors.set(BTreeMap::new());
                        message.set(Some(answer));
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
    let decide_across = {
        let (notes, message, refresh, busy) = (notes.clone(), message.clone(), refresh.clone(), busy.clone());
        move |id: String, approve: bool| {
            let (notes, message, refresh, busy) = (notes.clone(), message.clone(), refresh.clone(), busy.clone());
            Callback::from(move |_: MouseEvent| {
                if *busy {
                    return;
                }
                busy.set(true);
                let note = notes.get(&across_note_key(&id)).cloned().unwrap_or_default();
                let (id, message, refresh, busy) = (id.clone(), message.clone(), refresh.clone(), busy.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::decide_district_transfer(&id, approve, &note).await {
                        Ok(view) => {
                            let done = match view.status {
                                DistrictTransferStatus::AwaitingRelease => {
                                    Text::new("已同意接收，待迁出区审核", "received: awaiting the origin's release")
                                }
                                DistrictTransferStatus::Moved => {
                                    Text::new(format!("已迁出，已迁入{}", view.to_name), format!("released: moved to {}", view.to_name))
                                }
                                DistrictTransferStatus::Moving => {
                                    Text::new("迁移中，请稍后再试一次", "moving: send the approval again shortly")
                                }
                                _ => Text::new("已答复：已驳回", "answered: rejected"),
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
        let district_error = errors.contains_key("/from_district");
        let on_scope = |value: bool| {
            let (across, errors) = (across.clone(), errors.clone());
            Callback::from(move |_: Event| {
                across.set(value);
                errors.set(BTreeMap::new());
            })
        };
        let on_district = {
            let from_district = from_district.clone();
            Callback::from(move |e: Event| from_district.set(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()))
        };
        html! {
            <form class="transfer-form" id="transfer-form" onsubmit={on_submit} novalidate=true>
                <h3>{ tr(lang, "申请迁入本村（社区）", "Ask for a person to move here") }</h3>
                <p class="hint">{ tr(lang,
                    "录入或导入时提示“已在本区其他村（社区）登记”的人员，在这里申请迁入。乡镇协同中心核实后办理，结果显示在下面。从外区迁入的，选“外区”和迁出区县：本镇协同中心同意接收后，由迁出区审核。",
                    "For a person the ledger says is registered in another village: ask here. The town centre checks and decides; the answer shows below. For a person from another district, pick 'another district' and the district: your town centre receives, then that district releases.") }</p>
                <fieldset class="transfer-scope">
                    <legend>{ tr(lang, "人员现在登记在", "The person is registered in") }</legend>
                    <label class="choice">
                        <input type="radio" name="transfer-scope" id="transfer-scope-here" checked={!*across} onchange={on_scope(false)} />
                        { tr(lang, "本区", "this district") }
                    </label>
                    <label class="choice">
                        <input type="radio" name="transfer-scope" id="transfer-scope-across" checked={*across} onchange={on_scope(true)} />
                        { tr(lang, "外区", "another district") }
                    </label>
                </fieldset>
                if *across {
                    <label for="transfer-district">{ tr(lang, "迁出区县", "District the person comes from") }<span class="required-mark" aria-hidden="true">{ "*" }</span></label>
                    <select id="transfer-district" required=true onchange={on_district}
                        aria-invalid={district_error.to_string()} aria-describedby={district_error.then_some("transfer-district-error")}>
                        <option value="" selected={from_district.is_empty()}>{ tr(lang, "请选择区县", "Choose a district") }</option>
                        { for districts.iter().filter(|d| d.district != own_district).map(|d| html! {
                            <option value={d.district.clone()} selected={*from_district == d.district}>{ &d.name }</option>
                        }) }
                    </select>
                    { error_of("/from_district", "transfer-district-error") }
                }
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
    let across_items: Vec<Html> = across_list
        .iter()
        .flatten()
        .map(|t| {
            let head_id = format!("across-head-{}", t.id);
            let where_from = t.found.as_ref().map(|f| {
                html! {
                    <p class="found">{ match lang {
                        Lang::Zh => format!("{} · 现登记在 {}", f.name, f.from_name),
                        Lang::En => format!("{} · registered in {}", f.name, f.from_name),
                    } }</p>
                }
            });
            let received = t.received_by.as_ref().map(|by| {
                html! {
                    <p class="decided">{ format!("{} {} · {}", tr(lang, "接收人", "received by"), by, t.received_at.clone().unwrap_or_default()) }</p>
                }
            });
            let decided = t.decided_by.as_ref().map(|by| {
                html! {
                    <p class="decided">{ format!("{} {} · {}{}", tr(lang, "处理人", "by"), by, t.decided_at.clone().unwrap_or_default(),
                        t.note.as_ref().filter(|n| !n.is_empty()).map(|n| format!(" · {n}")).unwrap_or_default()) }</p>
                }
            });
            let note_id = format!("across-note-{}", t.id);
            let on_note = {
                let (notes, id) = (notes.clone(), across_note_key(&t.id));
                Callback::from(move |e: InputEvent| {
                    let mut next = (*notes).clone();
                    next.insert(id.clone(), e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                    notes.set(next);
                })
            };
            let approve_text = match t.status {
                DistrictTransferStatus::AwaitingReceive => tr(lang, "同意接收", "Agree to receive"),
                _ => tr(lang, "同意迁出", "Release the person"),
            };
            let actions = t.may_decide.then(|| {
                html! {
                    <div class="transfer-actions">
                        if let Some(b) = &t.blocked { <p class="blocked">{ lang.pick(b) }</p> }
                        if t.blocked.is_none() {
                            <button class="approve primary" onclick={decide_across(t.id.clone(), true)} disabled={*busy}
                                aria-describedby={head_id.clone()}>{ approve_text }</button>
                        }
                        if t.status != DistrictTransferStatus::Moving {
                            <label for={note_id.clone()}>{ tr(lang, "驳回的原因", "Reason to reject") }</label>
                            <input id={note_id} class="note" oninput={on_note} maxlength="200" />
                            <button class="reject" onclick={decide_across(t.id.clone(), false)} disabled={*busy}
                                aria-describedby={head_id.clone()}>{ tr(lang, "驳回", "Reject") }</button>
                        }
                    </div>
                }
            });
            html! {
                <li class="transfer across" data-status={t.status.as_str()} data-id={t.id.clone()}>
                    <p class="transfer-head" id={head_id}>
                        <span class="across-chip">{ tr(lang, "跨区", "cross-district") }</span>
                        <span class={classes!("status-chip", t.status.as_str())}>{ across_status_text(lang, t.status) }</span>
                        <span class="key">{ &t.key }</span>
                        <span>{ match lang {
                            Lang::Zh => format!("{} → 迁入 {}", t.from_district_name, t.to_name),
                            Lang::En => format!("{} → into {}", t.from_district_name, t.to_name),
                        } }</span>
                    </p>
                    { where_from }
                    <p class="meta">{ format!("{} {} · {}{}", tr(lang, "申请人", "asked by"), t.requested_by, t.requested_at,
                        if t.reason.is_empty() { String::new() } else { format!(" · {}", t.reason) }) }</p>
                    { received }
                    { decided }
                    { actions }
                </li>
            }
        })
        .collect();
    let items = match &*list {
        None => html! { <p class="loading">{ tr(lang, "加载中…", "Loading…") }</p> },
        Some(l) if l.is_empty() && across_items.is_empty() => {
            html! { <p class="empty" id="transfers-empty">{ tr(lang, "没有迁移申请", "No transfer requests") }</p> }
        }
        Some(l) => html! {
            <ul class="transfer-list" id="transfer-list">
                { for across_items }
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
