//! Setting a new password: the only page a user sees after an
//! administrator reset theirs (every other request answers
//! `password_change_required` until it is done). Errors come from core's
//! password rule, under their inputs.

use std::collections::HashMap;

use ybt_core::api::{ChangePasswordRequest, Me};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub me: Me,
    pub on_changed: Callback<Me>,
}

#[function_component(PasswordPage)]
pub fn password_page(props: &Props) -> Html {
    let lang = props.lang;
    let values = use_state(HashMap::<&'static str, String>::new);
    let errors = use_state(HashMap::<String, String>::new);
    let general = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (values, errors, general, busy, on_changed) =
            (values.clone(), errors.clone(), general.clone(), busy.clone(), props.on_changed.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let get = |k: &str| values.get(k).cloned().unwrap_or_default();
            if get("new_password") != get("repeat_password") {
                errors.set(HashMap::from([(
                    "repeat_password".to_owned(),
                    tr(lang, "两次输入的新密码不一致", "the two new passwords differ").to_owned(),
                )]));
                return;
            }
            let request = ChangePasswordRequest { current_password: get("current_password"), new_password: get("new_password") };
            let (errors, general, busy, on_changed) = (errors.clone(), general.clone(), busy.clone(), on_changed.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::change_password(&request).await {
                    Ok(me) => on_changed.emit(me),
                    Err(ApiFailure::Server { body, .. }) if !body.error.fields.is_empty() => {
                        let mut by_field: HashMap<String, String> = HashMap::new();
                        for f in &body.error.fields {
                            let entry = by_field.entry(f.pointer.trim_start_matches('/').to_owned()).or_default();
                            if !entry.is_empty() {
                                entry.push('；');
                            }
                            entry.push_str(lang.pick(&f.message));
                        }
                        errors.set(by_field);
                        general.set(None);
                    }
                    Err(failure) => general.set(Some(lang.pick(&failure.message()).to_owned())),
                }
                busy.set(false);
            });
        })
    };
    let field = |name: &'static str, label: &'static str, autocomplete: &'static str| {
        let values = values.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let mut next = (*values).clone();
            next.insert(name, e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
            values.set(next);
        });
        let error = errors.get(name).cloned();
        html! {
            <label>{ label }
                <input type="password" id={name} name={name} {oninput} autocomplete={autocomplete}
                    aria-invalid={error.is_some().to_string()} aria-describedby={format!("{name}-error")} />
                <span class="cell-error" id={format!("{name}-error")} data-error-for={name}>{ error.unwrap_or_default() }</span>
            </label>
        }
    };
    html! {
        <section class="panel login" aria-labelledby="password-title">
            <h2 id="password-title">{ tr(lang, "请设置新密码", "Set a new password") }</h2>
            <p role="status" id="password-reason">
                { format!("{}{}", props.me.user.display_name, tr(lang, "，管理员已重置您的密码。设置新密码后才能继续使用。", ", an administrator reset your password. Set a new one to continue.")) }
            </p>
            <form id="change-password" {onsubmit}>
                { field("current_password", tr(lang, "管理员给您的临时密码", "Temporary password"), "current-password") }
                { field("new_password", tr(lang, "新密码", "New password"), "new-password") }
                <p class="meta" id="password-rule">{ tr(lang, "10 个字符以上，含大写字母、小写字母、数字、符号中至少三类；不能含用户名或为常见密码", "10+ characters with three of: uppercase, lowercase, digits, symbols; not your user name or a common password") }</p>
                { field("repeat_password", tr(lang, "再次输入新密码", "New password again"), "new-password") }
                <button class="primary" type="submit" disabled={*busy}>{ tr(lang, "保存新密码", "Save new password") }</button>
                if let Some(message) = &*general { <p class="error" role="alert">{ message }</p> }
            </form>
        </section>
    }
}
