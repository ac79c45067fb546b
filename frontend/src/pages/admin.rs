//! For system administrators: accounts, their grants of sensitive ledger
//! items, and the audit log of unmasked reads.

use ybt_core::Catalog;
use ybt_core::api::{AuditEntry, GrantsRequest};
use ybt_core::catalog::Sensitivity;
use ybt_core::messages::Text;
use yew::prelude::*;

use crate::api::{self, UserView};
use crate::components::new_user_form::NewUserForm;
use crate::i18n::{Key, Lang, t};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
}

/// The ledger items worth granting: those masked by default.
fn sensitive_items() -> Vec<(String, String)> {
    Catalog::builtin()
        .map(|c| {
            c.items()
                .filter(|i| matches!(i.sensitivity, Sensitivity::IdNumber | Sensitivity::Phone))
                .map(|i| (i.name.clone(), i.title.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[function_component(AdminPage)]
pub fn admin_page(props: &Props) -> Html {
    let lang = props.lang;
    let users = use_state(Vec::<UserView>::new);
    let audit = use_state(Vec::<AuditEntry>::new);
    let error = use_state(|| None::<Text>);
    let reload = use_state(|| 0u32);

    {
        let (users, audit, error) = (users.clone(), audit.clone(), error.clone());
        use_effect_with(*reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match (api::users().await, api::audit().await) {
                    (Ok(u), Ok(a)) => {
                        users.set(u);
                        audit.set(a);
                    }
                    (Err(e), _) | (_, Err(e)) => error.set(Some(e.message())),
                }
            });
        });
    }

    let items = sensitive_items();
    let toggle = |user: &UserView, item: &str| {
        let mut granted = user.user.grants.clone();
        if let Some(i) = granted.iter().position(|g| g == item) {
            granted.remove(i);
        } else {
            granted.push(item.to_owned());
        }
        let (user_id, error, reload) = (user.user.user_id.clone(), error.clone(), reload.clone());
        Callback::from(move |_: Event| {
            let request = GrantsRequest { items: granted.clone() };
            let (user_id, error, reload) = (user_id.clone(), error.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::set_grants(&user_id, &request).await {
                    Ok(_) => reload.set(*reload + 1),
                    Err(e) => error.set(Some(e.message())),
                }
            });
        })
    };

    let unlock = |user: &UserView| {
        let (user_id, error, reload) = (user.user.user_id.clone(), error.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let (user_id, error, reload) = (user_id.clone(), error.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::unlock_user(&user_id).await {
                    Ok(_) => reload.set(*reload + 1),
                    Err(e) => error.set(Some(e.message())),
                }
            });
        })
    };

    html! {
        <>
            if let Some(message) = &*error { <p class="error" role="alert">{ lang.pick(message) }</p> }
            <section class="panel">
                <h2>{ t(lang, Key::Accounts) }</h2>
                <div class="table-wrap">
                    <table class="form-table" id="users">
                        <thead><tr>
                            <th>{ t(lang, Key::Username) }</th><th>{ t(lang, Key::DisplayName) }</th>
                            <th>{ t(lang, Key::Role) }</th><th>{ t(lang, Key::OrgUnit) }</th>
                            { for items.iter().map(|(_, title)| html! { <th>{ format!("{} {title}", t(lang, Key::Unmasked)) }</th> }) }
                            <th>{ t(lang, Key::SignInLock) }</th>
                        </tr></thead>
                        <tbody>
                            { for users.iter().map(|u| html! {
                                <tr data-user={u.user.username.clone()}>
                                    <td>{ &u.user.username }</td>
                                    <td>{ &u.user.display_name }</td>
                                    <td>{ u.user.role.title_zh() }{ u.user.department.as_ref().map(|d| format!("（{d}）")).unwrap_or_default() }</td>
                                    <td title={u.user.org_unit.clone()}>{ if u.org_unit_name.is_empty() { &u.user.org_unit } else { &u.org_unit_name } }</td>
                                    { for items.iter().map(|(item, _)| html! {
                                        <td><input type="checkbox" class="grant" data-item={item.clone()}
                                            checked={u.user.grants.contains(item)} onchange={toggle(u, item)} /></td>
                                    }) }
                                    <td><button type="button" class="unlock" onclick={unlock(u)}
                                        aria-label={format!("{} {}", t(lang, Key::Unlock), u.user.username)}>{ t(lang, Key::Unlock) }</button></td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
            <section class="panel">
                <h2>{ t(lang, Key::CreateAccount) }</h2>
                <NewUserForm lang={lang} on_created={{ let reload = reload.clone(); Callback::from(move |_| reload.set(*reload + 1)) }} />
            </section>
            <section class="panel">
                <h2>{ t(lang, Key::AuditLog) }</h2>
                <div class="table-wrap">
                    <table class="form-table" id="audit">
                        <thead><tr>
                            <th>{ t(lang, Key::When) }</th><th>{ t(lang, Key::Username) }</th><th>{ t(lang, Key::What) }</th>
                            <th>{ t(lang, Key::Items) }</th><th>{ t(lang, Key::Records) }</th>
                        </tr></thead>
                        <tbody>
                            { for audit.iter().map(|e| html! {
                                <tr>
                                    <td class="when">{ ybt_core::time::beijing(&e.at) }</td><td>{ &e.username }</td><td>{ &e.action }</td>
                                    <td>{ e.items.join("、") }</td>
                                    <td title={e.record_ids.join("\n")}>{ e.record_count }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
        </>
    }
}
