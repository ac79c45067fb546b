//! Which page is shown, and the part of it kept in the address. Its own
//! module so that pages can navigate without importing the app shell.

/// Which page is shown. No URL routing yet: the app is one screen deep.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Home,
    Form {
        template_id: String,
        org_unit: String,
    },
    /// A village's ledger of people, with each record's history.
    Ledger {
        org_unit: String,
    },
    Admin,
    /// Emergency surveys: start, board, a village's survey tasks (issue 8).
    Surveys,
    Survey {
        task: Box<ybt_core::api::TaskSummary>,
    },
    /// Issue 7: a department designs and files templates.
    Authoring,
    /// Issue 7: the town centre reviews template requests.
    Review,
    /// Issue 7: dispatch approved templates; dispatches with progress.
    Dispatch,
    Board {
        dispatch_id: String,
    },
    Summary {
        template_id: String,
    },
    /// A task from the inbox: its form, draft and submit.
    Task {
        task_id: String,
    },
    /// The burden meter of a unit.
    Burden {
        org_unit: String,
    },
    /// Transfer requests (迁移申请): ask, or decide.
    Transfers,
}

/// An open task is kept in the address (`#task/ID`, a survey's `#survey/ID`),
/// so a reload comes back to it (a survey offline too: its task is kept on
/// the device); every other page starts from home, unless the village
/// bundle handed it over to the office app ([`jump_hash`]).
pub fn from_hash() -> Route {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    if let Some(id) = hash.strip_prefix("#survey/").filter(|id| !id.is_empty()) {
        return match crate::survey_io::load::<ybt_core::api::TaskSummary>(&crate::survey_io::task_key(id)) {
            Some(task) => Route::Survey { task: Box::new(task) },
            None => Route::Task { task_id: id.to_owned() },
        };
    }
    if let Some(route) = hash.strip_prefix("#go/").and_then(jumped) {
        set_hash(&route);
        return route;
    }
    match hash.strip_prefix("#task/") {
        Some(id) if !id.is_empty() => Route::Task { task_id: id.to_owned() },
        _ => Route::Home,
    }
}

/// The address part that opens `route` in the other bundle: `#go/` and the
/// page with its parameters, each URI-encoded.
pub fn jump_hash(route: &Route) -> String {
    let part = |s: &str| String::from(js_sys::encode_uri_component(s));
    let path = match route {
        Route::Home => return String::new(),
        Route::Task { task_id } => return format!("#task/{}", part(task_id)),
        Route::Survey { task } => return format!("#survey/{}", part(&task.id)),
        Route::Form { template_id, org_unit } => format!("form/{}/{}", part(template_id), part(org_unit)),
        Route::Ledger { org_unit } => format!("ledger/{}", part(org_unit)),
        Route::Burden { org_unit } => format!("burden/{}", part(org_unit)),
        Route::Board { dispatch_id } => format!("board/{}", part(dispatch_id)),
        Route::Summary { template_id } => format!("summary/{}", part(template_id)),
        Route::Admin => "admin".to_owned(),
        Route::Surveys => "surveys".to_owned(),
        Route::Authoring => "authoring".to_owned(),
        Route::Review => "review".to_owned(),
        Route::Dispatch => "dispatch".to_owned(),
        Route::Transfers => "transfers".to_owned(),
    };
    format!("#go/{path}")
}

/// The route a [`jump_hash`] names (after `#go/`).
fn jumped(path: &str) -> Option<Route> {
    let decode = |s: &str| js_sys::decode_uri_component(s).ok().map(String::from).filter(|s| !s.is_empty());
    let mut parts = path.split('/');
    let page = parts.next()?;
    let mut next = || parts.next().and_then(decode);
    Some(match page {
        "form" => Route::Form { template_id: next()?, org_unit: next()? },
        "ledger" => Route::Ledger { org_unit: next()? },
        "burden" => Route::Burden { org_unit: next()? },
        "board" => Route::Board { dispatch_id: next()? },
        "summary" => Route::Summary { template_id: next()? },
        "admin" => Route::Admin,
        "surveys" => Route::Surveys,
        "authoring" => Route::Authoring,
        "review" => Route::Review,
        "dispatch" => Route::Dispatch,
        "transfers" => Route::Transfers,
        _ => return None,
    })
}

pub fn set_hash(route: &Route) {
    let hash = match route {
        Route::Task { task_id } => format!("#task/{task_id}"),
        Route::Survey { task } => format!("#survey/{}", task.id),
        _ => String::new(),
    };
    if let Some(location) = web_sys::window().map(|w| w.location()) {
        let _ = location.set_hash(&hash);
    }
}
