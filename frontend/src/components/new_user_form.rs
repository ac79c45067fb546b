//! The form administrators create accounts with. Field errors come from the
//! worker (core's account rules) and show under their inputs.

use std::collections::HashMap;

use ybt_core::access::Role;
use ybt_core::api::CreateUserRequest;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::i18n::{Key, Lang, t};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub on_created: Callback<()>,
}

const FIELDS: [(&str, Key); 5] = [
    ("username", Key::Username),
    ("display_name", Key::DisplayName),
    ("org_unit", Key::OrgUnit),
    ("department", Key::Department),
    ("password", Key::Password),
];

#[function_component(NewUserForm)]
pub fn new_user_form(props: &Props) -> Html {
    let lang = props.lang;
    let values = use_state(HashMap::<&'static str, String>::new);
    let role = use_state(|| Role::VillageStaff);
    let errors = use_state(HashMap::<String, String>::new);
    let general = use_state(|| None::<String>);

    let onsubmit = {
        let (values, role, errors, general, on_created) =
            (values.clone(), role.clone(), errors.clone(), general.clone(), props.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let get = |k: &str| values.get(k).cloned().unwrap_or_default();
            let department = get("department");
            let request = CreateUserRequest {
                username: get("username").trim().to_owned(),
                display_name: get("display_name").trim().to_owned(),
                role: *role,
                org_unit: get("org_unit").trim().to_owned(),
                department: (!department.trim().is_empty()).then(|| department.trim().to_owned()),
                password: get("password"),
            };
            let (errors, general, on_created, values) = (errors.clone(), general.clone(), on_created.clone(), values.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_user(&request).await {
                    Ok(_) => {
                        errors.set(HashMap::new());
                        general.set(None);
                        values.set(HashMap::new());
                        on_created.emit(());
                    }
                    Err(ApiFailure::Server(body)) if !body.error.fields.is_empty() => {
                        let pick = |m: &ybt_core::messages::Text| lang.pick(m).to_owned();
                        errors.set(
                            body.error.fields.iter().map(|f| (f.pointer.trim_start_matches('/').to_owned(), pick(&f.message))).collect(),
                        );
                    }
                    Err(failure) => general.set(Some(lang.pick(&failure.message()).to_owned())),
                }
            });
        })
    };
    let on_role = {
        let role = role.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            if let Some(r) = Role::ALL.into_iter().find(|r| format!("{r:?}") == value) {
                role.set(r);
            }
        })
    };
    html! {
        <form id="new-user" class="new-user" {onsubmit}>
            { for FIELDS.iter().map(|(name, key)| {
                let name = *name;
                let current = values.get(name).cloned().unwrap_or_default();
                let values = values.clone();
                let oninput = Callback::from(move |e: InputEvent| {
                    let mut next = (*values).clone();
                    next.insert(name, e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
                    values.set(next);
                });
                let kind = if name == "password" { "password" } else { "text" };
                html! {
                    <label>{ t(lang, *key) }
                        <input name={name} type={kind} {oninput} value={current} />
                        if let Some(message) = errors.get(name) { <span class="cell-error" data-error-for={name}>{ message }</span> }
                    </label>
                }
            }) }
            <label>{ t(lang, Key::Role) }
                <select name="role" onchange={on_role}>
                    { for Role::ALL.iter().map(|r| html! {
                        <option value={format!("{r:?}")} selected={*r == *role}>{ r.title_zh() }</option>
                    }) }
                </select>
            </label>
            <button class="primary" type="submit">{ t(lang, Key::CreateAccount) }</button>
            if let Some(message) = &*general { <p class="error" role="alert">{ message }</p> }
        </form>
    }
}
