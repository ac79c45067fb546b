//! Sign in with user name and password.

use ybt_core::api::{LoginRequest, Me};
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub on_login: Callback<Me>,
}

#[function_component(LoginPage)]
pub fn login_page(props: &Props) -> Html {
    let lang = props.lang;
    let username = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<ybt_core::messages::Text>);
    let busy = use_state(|| false);

    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
    };
    let onsubmit = {
        let (username, password, error, busy, on_login) =
            (username.clone(), password.clone(), error.clone(), busy.clone(), props.on_login.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = LoginRequest { username: (*username).trim().to_owned(), password: (*password).clone() };
            let (error, busy, on_login) = (error.clone(), busy.clone(), on_login.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::login(&request).await {
                    Ok(me) => on_login.emit(me),
                    Err(failure) => error.set(Some(failure.message())),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <section class="panel login">
            <h2>{ tr(lang, "登录", "Sign in") }</h2>
            <form id="login" {onsubmit}>
                <label>{ tr(lang, "用户名", "User name") }
                    <input id="username" name="username" autocomplete="username" value={(*username).clone()} oninput={bind(&username)} />
                </label>
                <label>{ tr(lang, "密码", "Password") }
                    <input id="password" name="password" type="password" autocomplete="current-password" value={(*password).clone()} oninput={bind(&password)} />
                </label>
                <button class="primary" type="submit" disabled={*busy}>{ tr(lang, "登录", "Sign in") }</button>
            </form>
            if let Some(message) = &*error { <p class="error" id="login-error" role="alert">{ lang.pick(message) }</p> }
        </section>
    }
}
