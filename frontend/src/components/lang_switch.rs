//! The 中文 / English toggle in the header.

use yew::prelude::*;

use crate::i18n::{Lang, tr};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub on_toggle: Callback<()>,
}

#[function_component(LangSwitch)]
pub fn lang_switch(props: &Props) -> Html {
    let onclick = props.on_toggle.reform(|_: MouseEvent| ());
    html! { <button class="lang" id="lang-switch" {onclick}>{ tr(props.lang, "English", "中文") }</button> }
}
