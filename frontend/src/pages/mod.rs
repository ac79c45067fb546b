//! One module per page.

pub mod admin;
pub mod burden;
// Issue 16: a city department's page across its districts.
pub mod city;
pub mod form;
pub mod home;
pub mod ledger;
pub mod login;
pub mod password;
pub mod survey;
pub mod surveys;
// Issue 7: authoring, review (报表准入), dispatch, completion board, summary.
pub mod authoring;
pub mod board;
pub mod dispatch;
pub mod review;
pub mod summary;
pub mod task;
// Issue 13: transfer requests (迁移申请).
pub mod transfers;

use ybt_core::api::Me;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::route::Route;

/// What a page is rendered from.
pub struct PageContext<'a> {
    pub lang: Lang,
    pub me: &'a Me,
    pub route: &'a Route,
    pub navigate: &'a Callback<Route>,
}

/// The village bundle's pages; `None` for a page it does not link.
pub fn village_page(ctx: &PageContext<'_>) -> Option<Html> {
    let PageContext { lang, me, route, navigate } = ctx;
    let lang = *lang;
    Some(match route {
        Route::Home => html! { <home::HomePage lang={lang} me={(*me).clone()} navigate={(*navigate).clone()} /> },
        Route::Form { template_id, org_unit } => html! {
            <form::FormPage lang={lang} template_id={template_id.clone()} org_unit={org_unit.clone()}
                back={navigate.reform(|_| Route::Home)} />
        },
        Route::Survey { task } => html! {
            <survey::SurveyPage lang={lang} task={(**task).clone()} back={navigate.reform(|_| Route::Home)} />
        },
        Route::Task { task_id } => html! {
            <survey::OpenTask lang={lang} task_id={task_id.clone()} back={navigate.reform(|_| Route::Home)}
                open_survey={navigate.reform(|task| Route::Survey { task: Box::new(task) })} />
        },
        _ => return None,
    })
}

/// The office app's home family (`route::Entry::Office`): an office user's
/// home (a city reader's city page), dispatch, boards, summaries, burden,
/// transfers, accounts and audit.
pub fn office_page(ctx: &PageContext<'_>) -> Option<Html> {
    let PageContext { lang, me, route, navigate } = ctx;
    let lang = *lang;
    let me = (*me).clone();
    Some(match route {
        // A city-level reader (issue 16) has no district: its home is the city page.
        Route::Home if ybt_core::access::is_city_level(&me.user) => html! { <city::CityPage lang={lang} me={me} /> },
        Route::Home => html! { <home::HomePage lang={lang} me={me} navigate={(*navigate).clone()} /> },
        Route::Admin => html! { <admin::AdminPage lang={lang} /> },
        Route::Dispatch => html! { <dispatch::DispatchPage lang={lang} me={me} navigate={(*navigate).clone()} /> },
        Route::Board { dispatch_id } => html! {
            <board::BoardPage lang={lang} dispatch_id={dispatch_id.clone()} back={navigate.reform(|_| Route::Dispatch)} />
        },
        Route::Summary { template_id } => html! {
            <summary::SummaryPage lang={lang} template_id={template_id.clone()} back={navigate.reform(|_| Route::Dispatch)} />
        },
        Route::Burden { org_unit } => html! {
            <burden::BurdenPage lang={lang} org_unit={org_unit.clone()} back={navigate.reform(|_| Route::Home)} />
        },
        Route::Transfers => html! { <transfers::TransfersPage lang={lang} me={me} /> },
        _ => return None,
    })
}

/// The office app's authoring family (`route::Entry::Authoring`): a
/// department designs a template, compiled live.
pub fn authoring_page(ctx: &PageContext<'_>) -> Option<Html> {
    let PageContext { lang, me, route, .. } = ctx;
    match route {
        Route::Authoring => Some(html! { <authoring::AuthoringPage lang={*lang} me={(*me).clone()} /> }),
        _ => None,
    }
}

/// The office app's review family (`route::Entry::Review`): review (报表准入)
/// with each request's form preview.
pub fn review_page(ctx: &PageContext<'_>) -> Option<Html> {
    match ctx.route {
        Route::Review => Some(html! { <review::ReviewPage lang={ctx.lang} /> }),
        _ => None,
    }
}

/// The office app's surveys family (`route::Entry::Surveys`): emergency
/// surveys with the towns' quick builder, boards and intake.
pub fn surveys_page(ctx: &PageContext<'_>) -> Option<Html> {
    let PageContext { lang, me, route, navigate } = ctx;
    match route {
        Route::Surveys => Some(html! {
            <surveys::SurveysPage lang={*lang} me={(*me).clone()}
                open_task={navigate.reform(|task| Route::Survey { task: Box::new(task) })} />
        }),
        _ => None,
    }
}

/// The office app's ledger family (`route::Entry::Ledger`): a village's
/// ledger of people, its import and each record's history.
pub fn ledger_page(ctx: &PageContext<'_>) -> Option<Html> {
    let PageContext { lang, route, navigate, .. } = ctx;
    match route {
        Route::Ledger { org_unit } => Some(html! {
            <ledger::LedgerPage lang={*lang} org_unit={org_unit.clone()} back={navigate.reform(|_| Route::Home)} />
        }),
        _ => None,
    }
}
