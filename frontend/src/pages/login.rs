//! Sign in with user name and password. On the village page this page also
//! takes over the sign-in form the page paints before the app has arrived
//! (`index.html`, run by `boot.js` while the wasm downloads; issue 14).

use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlInputElement};
use ybt_core::api::{LoginRequest, Me};
use ybt_core::messages::Text;
use yew::prelude::*;

use crate::api;
use crate::i18n::{Lang, tr};

/// The page's own sign-in form as the app found it on starting, when it was
/// in use: shown (nobody signed in) or sending a sign-in. Not in the page —
/// `me` not answered yet, signed in, the office page — there is nothing to
/// take over and the app starts as before.
#[derive(Debug, Clone, PartialEq)]
pub struct Handover {
    /// A sign-in was on its way: `window.ybtMe` is now its answer, which the
    /// app's first session check takes (`api::me`).
    pub sending: bool,
    /// The refusal the form showed (the server's message), shown on.
    pub error: Option<Text>,
}

/// The page's sign-in form, while it is in the document.
fn shell_form(document: &Document) -> Option<web_sys::Element> {
    document.query_selector("form#login[data-boot]").ok().flatten()
}

impl Handover {
    /// Claims the page's sign-in form for the app, once, as it starts: from
    /// now on `boot.js` leaves the form alone (a submit only marks it), and
    /// the app's own sign-in page takes it over when it is mounted
    /// (`LoginPage`), in the same task as the form leaves the page. Until
    /// then the form stays where it is, focused and typed in: the app's
    /// first render may yield to the browser between tasks, and a keystroke
    /// then still lands in a field. The app's nodes stay hidden meanwhile
    /// (`#app[data-handover] > .app-host`, style.css).
    pub fn claim() -> Option<Handover> {
        let document = web_sys::window()?.document()?;
        let form = shell_form(&document)?;
        let sending = match form.get_attribute("data-boot").as_deref() {
            Some("open") => false,
            Some("sending") => true,
            _ => return None,
        };
        form.set_attribute("data-boot", "handover").ok()?;
        if let Some(app) = document.get_element_by_id("app") {
            let _ = app.set_attribute("data-handover", "");
        }
        let text = |selector: &str| document.query_selector(selector).ok().flatten().and_then(|e| e.text_content());
        let error = text("#boot-login-error #login-error").map(|zh| Text::new(zh, text("#boot-login-error [lang=en]").unwrap_or_default()));
        Some(Handover { sending, error })
    }

    /// Where the app renders beside the page's shell while it takes the
    /// form over: a new element at the end of `root` (`#app`), laid out as
    /// if its children were `root`'s own (`.app-host`, style.css).
    pub fn host(&self, root: &web_sys::Element) -> Option<web_sys::Element> {
        let host = root.owner_document()?.create_element("div").ok()?;
        host.set_class_name("app-host");
        root.append_child(&host).ok()?;
        Some(host)
    }
}

/// Which field had the focus.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    Username,
    Password,
}

/// What the page's form held when the app's page replaced it.
struct Typed {
    username: String,
    password: String,
    focus: Option<Field>,
    /// Enter (or the button) while the app was taking over: sent by the
    /// app's page instead.
    submit: bool,
}

/// Reads what was typed in the page's form and removes the form, with the
/// rest of the page's shell (`[data-shell]`), from the page; `None` when
/// there is no such form (the office page, after sign-out, or the app
/// started before it was shown and cleared it).
fn take_shell() -> Option<Typed> {
    let document = web_sys::window()?.document()?;
    let form = shell_form(&document)?;
    let value = |id: &str| {
        document.get_element_by_id(id).and_then(|e| e.dyn_into::<HtmlInputElement>().ok()).map(|i| i.value()).unwrap_or_default()
    };
    let focus = match document.active_element().map(|e| e.id()).as_deref() {
        Some("username") => Some(Field::Username),
        Some("password") => Some(Field::Password),
        _ => None,
    };
    let typed = Typed { username: value("username"), password: value("password"), focus, submit: form.has_attribute("data-submit") };
    while let Some(part) = document.query_selector("#app > [data-shell]").ok().flatten() {
        part.remove();
    }
    if let Some(app) = document.get_element_by_id("app") {
        let _ = app.remove_attribute("data-handover");
    }
    Some(typed)
}

/// Puts `value` in `input` (now, not at the next render: a keystroke in the
/// next task must find it there), and the focus and caret at its end when
/// `focus`.
fn restore(input: &NodeRef, value: &str, focus: bool) {
    let Some(input) = input.cast::<HtmlInputElement>() else { return };
    input.set_value(value);
    if focus {
        let _ = input.focus();
        let end = value.encode_utf16().count() as u32;
        let _ = input.set_selection_range(end, end);
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub on_login: Callback<Me>,
    /// A sign-in sent by the page's own form is on its way (the app's
    /// session check waits for its answer).
    #[prop_or_default]
    pub busy: bool,
    /// A refusal to show from outside this page: the page's own form's.
    #[prop_or_default]
    pub error: Option<Text>,
}

#[function_component(LoginPage)]
pub fn login_page(props: &Props) -> Html {
    let lang = props.lang;
    let username = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| props.error.clone());
    let busy = use_state(|| false);
    let (username_ref, password_ref) = (use_node_ref(), use_node_ref());
    // While the page's own form is still there, this page is hidden and its
    // controls go without their ids (`#login`, `#username`…): one of each
    // in the document at any time. They get them in the task that removes
    // the page's form (a pending render keeps Yew from yielding between).
    let beside_shell = use_state(|| web_sys::window().and_then(|w| w.document()).and_then(|d| shell_form(&d)).is_some());
    let id = |name: &'static str| (!*beside_shell).then_some(name);

    let bind = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
    };
    let send = {
        let (error, busy, on_login) = (error.clone(), busy.clone(), props.on_login.clone());
        Callback::from(move |(username, password): (String, String)| {
            let request = LoginRequest { username: username.trim().to_owned(), password };
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
    let onsubmit = {
        let (username, password, send) = (username.clone(), password.clone(), send.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            send.emit(((*username).clone(), (*password).clone()));
        })
    };
    // The page's own form, if it is still there, is replaced by this one
    // with what was typed in it.
    {
        let (username, password, username_ref, password_ref, external_busy) =
            (username.clone(), password.clone(), username_ref.clone(), password_ref.clone(), props.busy);
        let beside_shell = beside_shell.clone();
        use_effect_with((), move |_| {
            if let Some(typed) = take_shell() {
                beside_shell.set(false);
                restore(&username_ref, &typed.username, typed.focus == Some(Field::Username));
                restore(&password_ref, &typed.password, typed.focus == Some(Field::Password));
                username.set(typed.username.clone());
                password.set(typed.password.clone());
                if typed.submit && !external_busy {
                    send.emit((typed.username, typed.password));
                }
            }
        });
    }
    {
        let error = error.clone();
        use_effect_with(props.error.clone(), move |outside| {
            if outside.is_some() {
                error.set(outside.clone());
            }
        });
    }
    html! {
        <section class="panel login">
            <h2>{ tr(lang, "登录", "Sign in") }</h2>
            <form id={id("login")} {onsubmit} aria-busy={(*busy || props.busy).to_string()}>
                <label>{ tr(lang, "用户名", "User name") }
                    <input id={id("username")} name="username" autocomplete="username" ref={username_ref}
                        value={(*username).clone()} oninput={bind(&username)} />
                </label>
                <label>{ tr(lang, "密码", "Password") }
                    <input id={id("password")} name="password" type="password" autocomplete="current-password" ref={password_ref}
                        value={(*password).clone()} oninput={bind(&password)} />
                </label>
                <button class="primary" type="submit" disabled={*busy || props.busy}>{ tr(lang, "登录", "Sign in") }</button>
            </form>
            if let Some(message) = &*error { <p class="error" id={id("login-error")} role="alert">{ lang.pick(message) }</p> }
        </section>
    }
}
