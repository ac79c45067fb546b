//! An administrator's password reset for one account: a temporary
//! password under core's rule, confirmed before it is set; the account's
//! sessions end and its next sign-in must choose a new password.

use ybt_core::api::ResetPasswordRequest;
use yew::prelude::*;

use crate::api::{self, ApiFailure, UserView};
use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub user: UserView,
    pub on_done: Callback<String>,
    pub on_cancel: Callback<()>,
}

#[function_component(PasswordReset)]
pub fn password_reset(props: &Props) -> Html {
    let lang = props.lang;
    let password = use_state(String::new);
    let confirming = use_state(|| false);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let name = props.user.user.display_name.clone();

    let oninput = {
        let (password, confirming) = (password.clone(), confirming.clone());
        Callback::from(move |e: InputEvent| {
            password.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value());
            confirming.set(false);
        })
    };
    let ask = {
        let confirming = confirming.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            confirming.set(true);
        })
    };
    let confirm = {
        let (password, busy, error, confirming, on_done, user_id) =
            (password.clone(), busy.clone(), error.clone(), confirming.clone(), props.on_done.clone(), props.user.user.user_id.clone());
        let done = format!(
            "{}{name}{}",
            tr(lang, "已重置 ", "Password of "),
            tr(
                lang,
                " 的密码：请当面告知临时密码，对方下次登录须设置新密码",
                " reset: tell them in person; they must choose a new one at next sign-in"
            )
        );
        Callback::from(move |_: MouseEvent| {
            if *busy {
                return;
            }
            busy.set(true);
            let request = ResetPasswordRequest { password: (*password).clone() };
            let (busy, error, confirming, on_done, user_id, done) =
                (busy.clone(), error.clone(), confirming.clone(), on_done.clone(), user_id.clone(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::reset_password(&user_id, &request).await {
                    Ok(_) => on_done.emit(done),
                    Err(ApiFailure::Server { body, .. }) if !body.error.fields.is_empty() => {
                        error.set(Some(body.error.fields.iter().map(|f| lang.pick(&f.message).to_owned()).collect::<Vec<_>>().join("；")));
                        confirming.set(false);
                    }
                    Err(e) => {
                        error.set(Some(lang.pick(&e.message()).to_owned()));
                        confirming.set(false);
                    }
                }
                busy.set(false);
            });
        })
    };
    let back = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(false))
    };
    let cancel = props.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <form class="password-reset" id="password-reset" onsubmit={ask}>
            <label>{ format!("{} · {name}", tr(lang, "临时密码", "Temporary password")) }
                <input type="password" name="reset_password" value={(*password).clone()} {oninput} autocomplete="new-password"
                    aria-invalid={error.is_some().to_string()} aria-describedby="reset-error reset-hint" />
                <span class="meta" id="reset-hint">{ tr(lang, "10 个字符以上，含大写字母、小写字母、数字、符号中至少三类", "10+ characters, three of: uppercase, lowercase, digits, symbols") }</span>
                <span class="cell-error" id="reset-error" data-error-for="reset_password">{ (*error).clone().unwrap_or_default() }</span>
            </label>
            if *confirming {
                <div class="confirm" id="reset-confirm" role="alertdialog" aria-labelledby="reset-confirm-title">
                    <p id="reset-confirm-title"><strong>{ format!("{}{name}{}", tr(lang, "确认重置 ", "Reset the password of "), tr(lang, " 的密码？", "?")) }</strong></p>
                    <p>{ tr(lang, "对方已登录的会话将立即结束，下次登录须先设置新密码。", "Their open sessions end now; at next sign-in they must choose a new password.") }</p>
                    <div class="actions">
                        <button type="button" class="primary" id="reset-confirm-yes" onclick={confirm} disabled={*busy}>{ tr(lang, "确认重置", "Reset") }</button>
                        <button type="button" class="secondary" onclick={back}>{ tr(lang, "返回", "Back") }</button>
                    </div>
                </div>
            } else {
                <div class="actions">
                    <button type="submit" class="primary" id="reset-submit" disabled={password.is_empty()}>{ tr(lang, "重置密码", "Reset password") }</button>
                    <button type="button" class="secondary" onclick={cancel}>{ tr(lang, "取消", "Cancel") }</button>
                </div>
            }
        </form>
    }
}
