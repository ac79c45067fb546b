//! The app shell: who is signed in, the language, the current page, and
//! the header.

use ybt_core::api::Me;
use yew::prelude::*;

use crate::api;
use crate::components::lang_switch::LangSwitch;
use crate::i18n::{Lang, tr};
use crate::pages::PageContext;
use crate::pages::login::{Handover, LoginPage};
use crate::route::{self, Route};

/// Whether we know who is signed in yet.
#[derive(Debug, Clone, PartialEq)]
enum Session {
    Checking,
    SignedOut,
    SignedIn(Me),
}

/// Where the signed-in user is remembered on this device (who, not a
/// credential: the session cookie stays the server's proof).
const REMEMBERED: &str = "ybt-me";

/// Remembers (or forgets) who is signed in, and tells the survey outbox
/// whose queue it works with.
fn remember(me: Option<&Me>) {
    match me {
        Some(me) => {
            crate::survey_io::save(REMEMBERED, me);
            crate::survey_io::set_user(&me.user.username);
        }
        None => {
            crate::survey_io::remove(REMEMBERED);
            crate::survey_io::set_user("");
        }
    }
}

/// Which pages a bundle renders, and where it sends the rest.
#[derive(Clone, Copy)]
pub struct Pages {
    /// The page of a route, or `None` when this bundle does not link it.
    pub render: fn(&PageContext<'_>) -> Option<Html>,
    /// This bundle: a route [`route::entry`] gives to another one opens there.
    pub here: route::Entry,
}

impl PartialEq for Pages {
    /// A bundle's pages never change while it runs.
    fn eq(&self, other: &Self) -> bool {
        self.here == other.here
    }
}

fn current_path() -> Option<String> {
    web_sys::window()?.location().pathname().ok()
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub pages: Pages,
    /// The page's own sign-in form, when it was in use as the app started
    /// (the village page, issue 14): the app's sign-in page takes it over.
    pub handover: Option<Handover>,
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let lang = use_state(|| Lang::Zh);
    let route = use_state(route::from_hash);
    // A person typing in the page's own sign-in form gets the app's sign-in
    // page at once; one whose sign-in is on its way waits for its answer
    // (the first check below) on that page, the button busy.
    let session = use_state(|| match &props.handover {
        Some(Handover { sending: false, .. }) => Session::SignedOut,
        _ => Session::Checking,
    });
    let boot_sending = use_state(|| props.handover.as_ref().is_some_and(|h| h.sending));
    // A refusal of the page's own form's sign-in, shown on the app's page.
    let login_error = use_state(|| props.handover.as_ref().and_then(|h| h.error.clone()));
    // A route another bundle serves (`route::entry`) opens there: a page
    // load, same session cookie.
    let jump = match &*session {
        Session::SignedIn(me) if !me.must_change_password => {
            let entry = route::entry(&route, me);
            // Offline, the service worker may answer another bundle's address
            // with this bundle's page: then stay, rather than jump in a loop.
            (entry != props.pages.here && current_path().as_deref() != Some(entry.path()))
                .then(|| format!("{}{}", entry.path(), route::jump_hash(&route)))
        }
        _ => None,
    };
    use_effect_with(jump.clone(), {
        let route = (*route).clone();
        move |jump| {
            if let (Some(url), Some(window)) = (jump, web_sys::window()) {
                // A survey's task opens at once there, as the survey page keeps it.
                if let Route::Survey { task } = &route {
                    crate::survey_io::save(&crate::survey_io::task_key(&task.id), &**task);
                }
                let _ = window.location().assign(url);
            }
        }
    });
    // Survey submissions queued offline are sent when the app starts,
    // whenever the connection returns, and on their own retry timer
    // (`survey_io`; idempotent).
    use_effect_with((), move |_| crate::survey_io::start_background_sync());
    // Who is signed in. Without an answer (offline), the user remembered on
    // this device is kept, so that a reload offline still reaches the app
    // and its queue; the server's word replaces it once it answers (on
    // start and when the connection returns).
    //
    // The first check takes the answer `boot.js` has (`api::me`): to `me`,
    // or to the page's own form's sign-in when one was sent. A refusal of
    // that sign-in (or no answer) goes to the app's sign-in page; while the
    // page's form was only being typed in, its `me` said nobody is signed
    // in and the app's sign-in page is up already: nothing changes but what
    // the device remembers.
    {
        let (session, boot_sending, login_error) = (session.clone(), boot_sending.clone(), login_error.clone());
        let handover = std::cell::Cell::new(props.handover.clone());
        use_effect_with((), move |_| {
            let check = move || {
                let (session, boot_sending, login_error) = (session.clone(), boot_sending.clone(), login_error.clone());
                let handover = handover.take();
                wasm_bindgen_futures::spawn_local(async move {
                    match (api::me().await, handover) {
                        (Ok(me), _) => {
                            remember(Some(&me));
                            session.set(Session::SignedIn(me));
                        }
                        (Err(failure), Some(Handover { sending: true, .. })) => {
                            remember(None);
                            boot_sending.set(false);
                            login_error.set(Some(match failure {
                                api::ApiFailure::Network { status: None, .. } => ybt_core::messages::Text::new(
                                    "无法连接服务器，请检查网络后重试",
                                    "cannot reach the server: check the connection and try again",
                                ),
                                failure => failure.message(),
                            }));
                            session.set(Session::SignedOut);
                        }
                        (Err(api::ApiFailure::Server { .. }), Some(_)) => remember(None),
                        (Err(api::ApiFailure::Network { .. }), Some(_)) => {}
                        (Err(api::ApiFailure::Network { .. }), None) => match crate::survey_io::load::<Me>(REMEMBERED) {
                            Some(me) => {
                                crate::survey_io::set_user(&me.user.username);
                                session.set(Session::SignedIn(me));
                            }
                            None => session.set(Session::SignedOut),
                        },
                        (Err(api::ApiFailure::Server { .. }), None) => {
                            remember(None);
                            session.set(Session::SignedOut);
                        }
                    }
                });
            };
            check();
            let listener = crate::timer::WindowListener::new("online", check);
            move || drop(listener)
        });
    }
    let navigate = {
        let route = route.clone();
        Callback::from(move |to: Route| {
            route::set_hash(&to);
            route.set(to)
        })
    };
    let toggle = {
        let lang = lang.clone();
        Callback::from(move |_| lang.set(lang.toggled()))
    };
    let on_login = {
        let (session, route, login_error) = (session.clone(), route.clone(), login_error.clone());
        Callback::from(move |me: Me| {
            login_error.set(None);
            remember(Some(&me));
            route::set_hash(&Route::Home);
            route.set(Route::Home);
            session.set(Session::SignedIn(me));
        })
    };
    let on_logout = {
        let session = session.clone();
        Callback::from(move |_: MouseEvent| {
            let session = session.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // Queued survey reports go out first; what cannot go out
                // is deleted only when the person says so.
                crate::survey_io::sync().await;
                let unsent = crate::survey_io::outbox().len();
                if unsent > 0 {
                    let question = format!("还有 {unsent} 份填报没有发出（没有网络）。退出后，这些填报和照片会从本机删除。确定退出？");
                    let sure = web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false);
                    if !sure {
                        return;
                    }
                }
                let _ = api::logout().await;
                remember(None);
                // A shared office PC keeps nothing personal after sign-out:
                // drafts and outbox in localStorage, photos in IndexedDB.
                crate::draft_store::forget_all();
                crate::survey_io::forget_photos();
                session.set(Session::SignedOut);
            });
        })
    };
    let (page, user) = match &*session {
        Session::Checking if *boot_sending => (html! { <LoginPage lang={*lang} on_login={on_login} busy=true /> }, html! {}),
        Session::Checking => (html! { <p class="loading">{ tr(*lang, "加载中…", "Loading…") }</p> }, html! {}),
        Session::SignedOut => (html! { <LoginPage lang={*lang} on_login={on_login} error={(*login_error).clone()} /> }, html! {}),
        Session::SignedIn(me) if me.must_change_password => {
            // Nothing else works until the reset password is replaced.
            let on_changed = {
                let session = session.clone();
                Callback::from(move |me: Me| {
                    remember(Some(&me));
                    session.set(Session::SignedIn(me));
                })
            };
            let page = html! { <crate::pages::password::PasswordPage lang={*lang} me={me.clone()} on_changed={on_changed} /> };
            let user = html! {
                <span class="user" id="user">
                    <span class="me"><span class="me-name">{ &me.user.display_name }</span></span>
                    <button class="lang" id="logout" onclick={on_logout}>{ tr(*lang, "退出", "Sign out") }</button>
                </span>
            };
            (page, user)
        }
        Session::SignedIn(me) => {
            let ctx = PageContext { lang: *lang, me, route: &route, navigate: &navigate };
            let page = match (jump.is_some(), (props.pages.render)(&ctx)) {
                (false, Some(page)) => page,
                _ => html! { <p class="loading" id="opening-office">{ tr(*lang, "正在打开页面…", "Opening the page…") }</p> },
            };
            let is_admin = me.user.role == ybt_core::access::Role::SystemAdmin;
            let nav = is_admin.then(|| {
                let (to_home, to_admin) = (navigate.reform(|_: MouseEvent| Route::Home), navigate.reform(|_: MouseEvent| Route::Admin));
                html! {
                    <>
                        <button class="lang" id="nav-reports" onclick={to_home}>{ tr(*lang, "报表", "Reports") }</button>
                        <button class="lang" id="nav-admin" onclick={to_admin}>{ tr(*lang, "账号与审计", "Accounts & audit") }</button>
                    </>
                }
            });
            // A city-level reader (issue 16) neither designs, dispatches nor surveys.
            let city = ybt_core::access::is_city_level(&me.user);
            let publishing = crate::pages::dispatch::nav(*lang, me.user.role, &navigate);
            let to_surveys = navigate.reform(|_: MouseEvent| Route::Surveys);
            let surveys = html! {
                <button class="lang" id="nav-surveys" onclick={to_surveys}>{ tr(*lang, "应急摸排", "Surveys") }</button>
            };
            let transfers = matches!(
                me.user.role,
                ybt_core::access::Role::VillageStaff | ybt_core::access::Role::TownCoordinator | ybt_core::access::Role::AdminSpecialist
            )
            .then(|| {
                let to_transfers = navigate.reform(|_: MouseEvent| Route::Transfers);
                html! { <button class="lang" id="nav-transfers" onclick={to_transfers}>{ tr(*lang, "迁移申请", "Transfers") }</button> }
            });
            let user = html! {
                <span class="user" id="user">
                    { nav }{ (!city).then_some(publishing) }{ (!city).then_some(surveys) }{ transfers }
                    <span class="me"><span class="me-name">{ &me.user.display_name }</span><span class="me-role">{ " · " }{ &me.role_title }</span></span>
                    <button class="lang" id="logout" onclick={on_logout}>{ tr(*lang, "退出", "Sign out") }</button>
                </span>
            };
            (page, user)
        }
    };
    html! {
        <ContextProvider<Lang> context={*lang}>
            <header class="topbar">
                <h1>{ tr(*lang, "一表通 · 基层报表", "Yibiaotong · village reports") }</h1>
                <span class="actions">{ user }<LangSwitch lang={*lang} on_toggle={toggle} /></span>
            </header>
            <main>{ page }</main>
        </ContextProvider<Lang>>
    }
}
