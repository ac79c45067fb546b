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

/// The bundles that serve the pages (issue 14): the village app and the
/// office app's page families, each its own wasm at its own address, so an
/// office user downloads a family only when opening one of its pages. Which
/// serves a route is [`entry`], one function every bundle asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `/`: sign-in, a village's inbox, the task form, survey filling, the
    /// offline outbox (`bin/village.rs`).
    Village,
    /// `/office`: an office user's home (the city page for a city reader),
    /// dispatch, boards, summaries, burden, transfers, accounts and audit
    /// (`bin/office.rs`).
    Office,
    /// `/authoring`: a department designs a template, compiled live
    /// (`bin/authoring.rs`).
    Authoring,
    /// `/review`: the town centre's review (报表准入), with each request's
    /// form preview compiled in the browser (`bin/review.rs`).
    Review,
    /// `/surveys`: emergency surveys — start one with the quick builder
    /// (compiled in the browser), their boards, the towns' intake
    /// (`bin/surveys.rs`).
    Surveys,
    /// `/ledger`: a village's ledger, its import and history (`bin/ledger.rs`).
    Ledger,
}

impl Entry {
    /// The address the bundle's page is served at (same origin: the
    /// session cookie carries over, no second sign-in).
    pub fn path(self) -> &'static str {
        match self {
            Entry::Village => "/",
            Entry::Office => "/office",
            Entry::Authoring => "/authoring",
            Entry::Review => "/review",
            Entry::Surveys => "/surveys",
            Entry::Ledger => "/ledger",
        }
    }
}

/// Which bundle serves `route` for `me`. Village staff's home is the village
/// app; everyone else's is the office app.
pub fn entry(route: &Route, me: &ybt_core::api::Me) -> Entry {
    match route {
        Route::Home if !me.user.role.works_in_office() => Entry::Village,
        Route::Form { .. } | Route::Task { .. } | Route::Survey { .. } => Entry::Village,
        Route::Authoring => Entry::Authoring,
        Route::Review => Entry::Review,
        Route::Surveys => Entry::Surveys,
        Route::Ledger { .. } => Entry::Ledger,
        Route::Home
        | Route::Admin
        | Route::Dispatch
        | Route::Board { .. }
        | Route::Summary { .. }
        | Route::Burden { .. }
        | Route::Transfers => Entry::Office,
    }
}

/// An open task is kept in the address (`#task/ID`, a survey's `#survey/ID`),
/// so a reload comes back to it (a survey offline too: its task is kept on
/// the device); every other page starts from home, unless another bundle
/// handed it over ([`jump_hash`]).
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

/// The address part that opens `route` in another bundle: `#go/` and the
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
