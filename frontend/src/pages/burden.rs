//! The burden meter: per form, and per village per month, how many cells
//! were pre-filled and how many typed, and minutes from opening to submitting.
//! (Filled in once the worker's `GET /api/burden` shape is known.)

use yew::prelude::*;

use crate::i18n::{Key, Lang, t};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub org_unit: String,
    pub back: Callback<MouseEvent>,
}

#[function_component(BurdenPage)]
pub fn burden_page(props: &Props) -> Html {
    html! {
        <>
            <button class="back" onclick={props.back.clone()}>{ t(props.lang, Key::Back) }</button>
            <section class="panel" id="burden"><h2>{ t(props.lang, Key::Burden) }</h2></section>
        </>
    }
}
