//! The app shell: language, the current page, and the header.

use yew::prelude::*;

use crate::components::lang_switch::LangSwitch;
use crate::i18n::{Key, Lang, t};
use crate::pages::form::FormPage;
use crate::pages::home::HomePage;

/// Which page is shown. No URL routing yet: the app is one screen deep.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Home,
    Form { template_id: String, org_unit: String },
}

#[function_component(App)]
pub fn app() -> Html {
    let lang = use_state(|| Lang::Zh);
    let route = use_state(|| Route::Home);
    let navigate = {
        let route = route.clone();
        Callback::from(move |to: Route| route.set(to))
    };
    let toggle = {
        let lang = lang.clone();
        Callback::from(move |_| lang.set(lang.toggled()))
    };
    let page = match &*route {
        Route::Home => html! { <HomePage lang={*lang} navigate={navigate.clone()} /> },
        Route::Form { template_id, org_unit } => html! {
            <FormPage lang={*lang} template_id={template_id.clone()} org_unit={org_unit.clone()}
                back={navigate.reform(|_| Route::Home)} />
        },
    };
    html! {
        <ContextProvider<Lang> context={*lang}>
            <header class="topbar">
                <h1>{ t(*lang, Key::AppTitle) }</h1>
                <LangSwitch lang={*lang} on_toggle={toggle} />
            </header>
            <main>{ page }</main>
        </ContextProvider<Lang>>
    }
}
