//! One account's grants of sensitive ledger items, grouped by record type
//! (人员: 身份证号, 联系电话; 企业: 联系电话 …). Ticking changes nothing yet:
//! 保存 shows what will be added and removed, and only 确认 stores it
//! (the worker logs the change with who, whom and when).

use ybt_core::Catalog;
use ybt_core::access::audit::{grant_changes, item_title};
use ybt_core::api::GrantsRequest;
use ybt_core::catalog::Sensitivity;
use yew::prelude::*;

use crate::api::{self, UserView};
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub user: UserView,
    pub on_saved: Callback<String>,
    pub on_cancel: Callback<()>,
}

/// The grantable items (those masked by default), by record type title.
pub fn grantable() -> Vec<(String, Vec<(String, String)>)> {
    let Ok(catalog) = Catalog::builtin() else { return vec![] };
    let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for item in catalog.items().filter(|i| matches!(i.sensitivity, Sensitivity::IdNumber | Sensitivity::Phone)) {
        let entity = catalog.entity_title(&item.entity).unwrap_or(&item.entity).to_owned();
        match groups.iter_mut().find(|(title, _)| *title == entity) {
            Some((_, items)) => items.push((item.name.clone(), item.title.clone())),
            None => groups.push((entity, vec![(item.name.clone(), item.title.clone())])),
        }
    }
    groups
}

#[function_component(GrantEditor)]
pub fn grant_editor(props: &Props) -> Html {
    let lang = props.lang;
    let chosen = use_state(|| props.user.user.grants.clone());
    let confirming = use_state(|| false);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let catalog = use_memo((), |_| Catalog::builtin().ok());
    let title = |item: &str| catalog.as_ref().as_ref().map(|c| item_title(c, item)).unwrap_or_else(|| item.to_owned());
    let (added, removed) = grant_changes(&props.user.user.grants, &chosen);
    let name = props.user.user.display_name.clone();

    let toggle = |item: &str| {
        let (chosen, confirming, item) = (chosen.clone(), confirming.clone(), item.to_owned());
        Callback::from(move |_: Event| {
            let mut next = (*chosen).clone();
            match next.iter().position(|g| *g == item) {
                Some(i) => {
                    next.remove(i);
                }
                None => next.push(item.clone()),
            }
            confirming.set(false);
            chosen.set(next);
        })
    };
    let ask = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(true))
    };
    let back = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(false))
    };
    let confirm = {
        let (chosen, busy, error, on_saved, user_id) =
            (chosen.clone(), busy.clone(), error.clone(), props.on_saved.clone(), props.user.user.user_id.clone());
        let summary = format!("{}{name}{}", tr(lang, "已保存 ", "Saved grants of "), tr(lang, " 的明文查看授权", ""));
        Callback::from(move |_: MouseEvent| {
            if *busy {
                return;
            }
            busy.set(true);
            let request = GrantsRequest { items: (*chosen).clone() };
            let (busy, error, on_saved, user_id, summary) =
                (busy.clone(), error.clone(), on_saved.clone(), user_id.clone(), summary.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::set_grants(&user_id, &request).await {
                    Ok(_) => on_saved.emit(summary),
                    Err(e) => error.set(Some(lang.pick(&e.message()).to_owned())),
                }
                busy.set(false);
            });
        })
    };
    let cancel = props.on_cancel.reform(|_: MouseEvent| ());
    let unchanged = added.is_empty() && removed.is_empty();
    html! {
        <div class="grant-editor" id="grant-editor" role="group"
            aria-label={format!("{} · {name}", tr(lang, "明文查看授权", "Grants to read unmasked"))}>
            <p class="meta">{ tr(lang, "勾选后该账户可看到完整号码（其余角色默认只见部分号码），每次查看都记入审计日志。", "A ticked item is shown whole to this account; every such read is logged.") }</p>
            { for grantable().into_iter().map(|(entity, items)| html! {
                <fieldset class="grant-group">
                    <legend>{ entity.clone() }</legend>
                    { for items.into_iter().map(|(item, field)| html! {
                        <label class="check">
                            <input type="checkbox" class="grant" data-item={item.clone()} checked={chosen.contains(&item)}
                                onchange={toggle(&item)} aria-label={format!("{entity}·{field}")} />
                            <span>{ field }</span>
                        </label>
                    }) }
                </fieldset>
            }) }
            if *confirming {
                <div class="confirm" id="grant-confirm" role="alertdialog" aria-labelledby="grant-confirm-title">
                    <p id="grant-confirm-title"><strong>{ format!("{}{name}{}", tr(lang, "确认调整 ", "Change the grants of "), tr(lang, " 的授权？", "?")) }</strong></p>
                    if !added.is_empty() {
                        <p class="grant-added">{ tr(lang, "新增：", "Add: ") }{ added.iter().map(|i| title(i)).collect::<Vec<_>>().join("、") }</p>
                    }
                    if !removed.is_empty() {
                        <p class="grant-removed">{ tr(lang, "撤销：", "Remove: ") }{ removed.iter().map(|i| title(i)).collect::<Vec<_>>().join("、") }</p>
                    }
                    <div class="actions">
                        <button type="button" class="primary" id="grant-confirm-yes" onclick={confirm} disabled={*busy}>{ tr(lang, "确认保存", "Confirm") }</button>
                        <button type="button" class="secondary" onclick={back}>{ tr(lang, "返回修改", "Back") }</button>
                    </div>
                </div>
            } else {
                <div class="actions">
                    <button type="button" class="primary" id="grant-save" onclick={ask} disabled={unchanged}>{ tr(lang, "保存授权", "Save grants") }</button>
                    <button type="button" class="secondary" onclick={cancel}>{ tr(lang, "取消", "Cancel") }</button>
                </div>
            }
            if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
        </div>
    }
}
