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
/// the device); every other page starts from home.
pub fn from_hash() -> Route {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    if let Some(id) = hash.strip_prefix("#survey/").filter(|id| !id.is_empty()) {
        return match crate::survey_io::load::<ybt_core::api::TaskSummary>(&crate::survey_io::task_key(id)) {
            Some(task) => Route::Survey { task: Box::new(task) },
            None => Route::Task { task_id: id.to_owned() },
        };
    }
    match hash.strip_prefix("#task/") {
        Some(id) if !id.is_empty() => Route::Task { task_id: id.to_owned() },
        _ => Route::Home,
    }
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
