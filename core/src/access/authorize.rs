//! The one authorization decision: may this principal take this action?

use serde::{Deserialize, Serialize};

use super::{Principal, Role};

/// Everything a request can do, with the data the decision depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<'a> {
    /// List templates and browse the org hierarchy (reference data).
    ReadReferenceData,
    /// Generate a template's form for a village from its ledger.
    GenerateForm {
        org_unit: &'a str,
    },
    /// Submit a form for an org unit.
    Submit {
        org_unit: &'a str,
    },
    /// Read a submission of `org_unit` for a template owned by `department`.
    ReadSubmission {
        org_unit: &'a str,
        department: &'a str,
    },
    /// See the tasks (inbox, completion board, burden meter) of `org_unit`
    /// for a template owned by `department`.
    ReadTasks {
        org_unit: &'a str,
        department: &'a str,
    },
    /// Read or change ledger records of an org unit.
    ReadLedger {
        org_unit: &'a str,
    },
    WriteLedger {
        org_unit: &'a str,
    },
    /// Create users and change their roles and grants.
    ManageUsers,
    /// Read the log of unmasked reads.
    ReadAuditLog,
    /// Start an emergency survey of a template of `department` for every
    /// village of `org_unit` (a town or the district), or close it.
    ManageSurvey {
        org_unit: &'a str,
        department: &'a str,
    },
    /// Accept or reject a new record a survey queued for the village
    /// `org_unit` (新增对象审核), and list them: the town coordinator of
    /// the village's town.
    ReviewNewRecord {
        org_unit: &'a str,
    },
    /// File a template (a new one or a new version) for review: a
    /// department analyst, for its own department's templates.
    PublishTemplate {
        department: &'a str,
    },
    /// Approve or reject template requests (报表准入) of departments of the
    /// district `district`, and read them: the town coordination centres of
    /// that district. A template reaches every town, so every town's centre
    /// of the district may decide (the first decision stands).
    ReviewTemplate {
        district: &'a str,
    },
    /// Ask to dispatch at all, before the targets are read: the roles
    /// that dispatch (each target is then checked as [`Action::Dispatch`]).
    BeginDispatch,
    /// Send an approved template of `department` to the village `org_unit`.
    Dispatch {
        org_unit: &'a str,
        department: &'a str,
    },
    /// Return a village's submission for correction.
    ReturnSubmission {
        org_unit: &'a str,
        department: &'a str,
    },
    /// Read the collected data of a template across villages (summary and
    /// its exports) of `org_unit`.
    ReadSummary {
        org_unit: &'a str,
        department: &'a str,
    },
    /// File a template of `department` once for every district of the
    /// principal's city (issue 16): a city-level department analyst holding
    /// [`super::CITY_AUTHOR_GRANT`], for its own department.
    FileCityTemplate {
        department: &'a str,
    },
    /// Read the city filings of `department` and their state per district
    /// (and the city dispatches of them): a city-level department analyst
    /// of that department, author or not.
    ReadCityTemplates {
        department: &'a str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenyReason {
    /// The role never has this action.
    NotForRole,
    /// The role has it, but not for this org unit.
    OutOfScope,
    /// The data belongs to another department.
    OtherDepartment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(DenyReason),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Whether `org_unit` lies within the subtree of `scope`. GB/T 2260 codes
/// nest by prefix: a village's 12 digits begin with its town's 9, which begin
/// with its district's 6.
pub fn in_scope(scope: &str, org_unit: &str) -> bool {
    matches!(scope.len(), 6 | 9 | 12) && org_unit.len() >= scope.len() && org_unit.starts_with(scope)
}

fn scoped(principal: &Principal, org_unit: &str) -> Decision {
    if in_scope(&principal.org_unit, org_unit) { Decision::Allow } else { Decision::Deny(DenyReason::OutOfScope) }
}

/// `then` for an analyst of `department`; otherwise another department's.
fn own_department(principal: &Principal, department: &str, then: Decision) -> Decision {
    if principal.department.as_deref() == Some(department) { then } else { Decision::Deny(DenyReason::OtherDepartment) }
}

/// The authorization rule of the whole product.
///
/// - Village staff work in their own village: forms, submissions, ledger.
/// - A town coordinator sees and acts for its town's villages.
/// - A department analyst reads submissions of its own templates across
///   its district; it never generates or submits a village's form.
/// - The administrative specialist reads everything in its district.
/// - The system administrator manages users and grants and reads the audit
///   log; it reads data like the specialist.
/// - Templates: a department analyst files its department's templates for
///   review; the town coordination centres of the district approve or
///   reject them; the department and the town centres dispatch approved
///   ones (a centre within its town), follow the board, return
///   submissions and read the summary (a centre: its town's villages).
/// - A city-level department analyst (org unit a city, e.g. `500000`)
///   reads the summaries of its department's templates in the districts of
///   its city ([`super::in_city`]; its department's, or its districts'
///   counterpart's: [`super::covers_department`]) and its city filings.
///   With [`super::CITY_AUTHOR_GRANT`] it is its department's author: it
///   files templates once for its city and dispatches them to villages of
///   its city's districts. Nothing else: no ledger, no submission, no
///   review, no return. Any other role at city level may do nothing but
///   read reference data. City filings are nobody's business at district
///   level.
pub fn authorize(principal: &Principal, action: &Action<'_>) -> Decision {
    use Role::*;
    let role = principal.role;
    if super::is_city_level(principal) {
        return authorize_city(principal, action);
    }
    match action {
        Action::ReadReferenceData => Decision::Allow,
        Action::GenerateForm { org_unit } | Action::Submit { org_unit } | Action::WriteLedger { org_unit } => match role {
            VillageStaff | TownCoordinator => scoped(principal, org_unit),
            DepartmentAnalyst | AdminSpecialist | SystemAdmin => Decision::Deny(DenyReason::NotForRole),
        },
        Action::ReadSubmission { org_unit, department } | Action::ReadTasks { org_unit, department } => match role {
            VillageStaff | TownCoordinator | AdminSpecialist | SystemAdmin => scoped(principal, org_unit),
            DepartmentAnalyst => {
                if principal.department.as_deref() != Some(*department) {
                    Decision::Deny(DenyReason::OtherDepartment)
                } else {
                    scoped(principal, org_unit)
                }
            }
        },
        Action::ReadLedger { org_unit } => match role {
            VillageStaff | TownCoordinator | AdminSpecialist | SystemAdmin => scoped(principal, org_unit),
            DepartmentAnalyst => Decision::Deny(DenyReason::NotForRole),
        },
        // Emergency surveys: the department owning the template, or a town
        // centre within its town (issue 8).
        Action::ManageSurvey { org_unit, department } => match role {
            TownCoordinator => scoped(principal, org_unit),
            DepartmentAnalyst if principal.department.as_deref() == Some(*department) => scoped(principal, org_unit),
            DepartmentAnalyst => Decision::Deny(DenyReason::OtherDepartment),
            VillageStaff | AdminSpecialist | SystemAdmin => Decision::Deny(DenyReason::NotForRole),
        },
        Action::ReviewNewRecord { org_unit } => match role {
            TownCoordinator => scoped(principal, org_unit),
            _ => Decision::Deny(DenyReason::NotForRole),
        },
        Action::PublishTemplate { department } => match role {
            DepartmentAnalyst => own_department(principal, department, Decision::Allow),
            _ => Decision::Deny(DenyReason::NotForRole),
        },
        Action::ReviewTemplate { district } => match role {
            // The centre's town lies inside the department's district.
            TownCoordinator if in_scope(district, &principal.org_unit) => Decision::Allow,
            TownCoordinator => Decision::Deny(DenyReason::OutOfScope),
            _ => Decision::Deny(DenyReason::NotForRole),
        },
        Action::BeginDispatch => match role {
            TownCoordinator | DepartmentAnalyst => Decision::Allow,
            VillageStaff | AdminSpecialist | SystemAdmin => Decision::Deny(DenyReason::NotForRole),
        },
        Action::Dispatch { org_unit, department } | Action::ReturnSubmission { org_unit, department } => match role {
            TownCoordinator => scoped(principal, org_unit),
            DepartmentAnalyst => own_department(principal, department, scoped(principal, org_unit)),
            VillageStaff | AdminSpecialist | SystemAdmin => Decision::Deny(DenyReason::NotForRole),
        },
        Action::ReadSummary { org_unit, department } => match role {
            TownCoordinator | AdminSpecialist | SystemAdmin => scoped(principal, org_unit),
            DepartmentAnalyst => own_department(principal, department, scoped(principal, org_unit)),
            VillageStaff => Decision::Deny(DenyReason::NotForRole),
        },
        Action::ManageUsers | Action::ReadAuditLog => match role {
            SystemAdmin => Decision::Allow,
            _ => Decision::Deny(DenyReason::NotForRole),
        },
        Action::FileCityTemplate { .. } | Action::ReadCityTemplates { .. } => Decision::Deny(DenyReason::NotForRole),
    }
}

/// The rule for a city-level principal: summaries of its districts and its
/// city filings; as its department's author, filing and dispatching too.
fn authorize_city(principal: &Principal, action: &Action<'_>) -> Decision {
    let analyst = principal.role == Role::DepartmentAnalyst;
    let author = analyst && principal.grants.iter().any(|g| g == super::CITY_AUTHOR_GRANT);
    let in_city = |org_unit: &str| {
        if super::in_city(&principal.org_unit, org_unit) { Decision::Allow } else { Decision::Deny(DenyReason::OutOfScope) }
    };
    match action {
        Action::ReadReferenceData => Decision::Allow,
        Action::ReadSummary { org_unit, department } if analyst => {
            let own = principal.department.as_deref().is_some_and(|mine| super::covers_department(mine, department));
            if own { in_city(org_unit) } else { Decision::Deny(DenyReason::OtherDepartment) }
        }
        Action::ReadCityTemplates { department } if analyst => own_department(principal, department, Decision::Allow),
        Action::FileCityTemplate { department } if author => own_department(principal, department, Decision::Allow),
        Action::BeginDispatch if author => Decision::Allow,
        // Only what it filed: a template of its own department.
        Action::Dispatch { org_unit, department } if author => own_department(principal, department, in_city(org_unit)),
        _ => Decision::Deny(DenyReason::NotForRole),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allow, Deny};
    use DenyReason::*;

    const VILLAGE: &str = "500118100001";
    const SAME_TOWN_VILLAGE: &str = "500118100200";
    const OTHER_TOWN_VILLAGE: &str = "500118101001";
    const OTHER_DISTRICT_VILLAGE: &str = "500101001001";
    const DEPT: &str = "区民政局";
    const CITY_DEPT: &str = "重庆市民政局";

    fn principal(role: Role) -> Principal {
        let org_unit = match role {
            Role::VillageStaff => VILLAGE,
            Role::TownCoordinator => "500118100",
            _ => "500118",
        };
        let mut principal = crate::test_support::principal(role, org_unit);
        principal.department = (role == Role::DepartmentAnalyst).then(|| DEPT.to_owned());
        principal
    }

    /// One row of the matrix: an action, and the decision for each role in
    /// the order admin, specialist, department, town, village.
    fn check(action: Action<'_>, expect: [Decision; 5]) {
        for (role, expected) in Role::ALL.into_iter().zip(expect) {
            assert_eq!(authorize(&principal(role), &action), expected, "{role:?} × {action:?}");
        }
    }

    const R: Decision = Deny(NotForRole);
    const S: Decision = Deny(OutOfScope);

    #[test]
    fn matrix() {
        check(Action::ReadReferenceData, [Allow, Allow, Allow, Allow, Allow]);
        check(Action::GenerateForm { org_unit: VILLAGE }, [R, R, R, Allow, Allow]);
        check(Action::GenerateForm { org_unit: SAME_TOWN_VILLAGE }, [R, R, R, Allow, S]);
        check(Action::GenerateForm { org_unit: OTHER_TOWN_VILLAGE }, [R, R, R, S, S]);
        check(Action::Submit { org_unit: VILLAGE }, [R, R, R, Allow, Allow]);
        check(Action::ReadTasks { org_unit: VILLAGE, department: DEPT }, [Allow, Allow, Allow, Allow, Allow]);
        check(Action::ReadTasks { org_unit: SAME_TOWN_VILLAGE, department: DEPT }, [Allow, Allow, Allow, Allow, S]);
        check(Action::ReadTasks { org_unit: VILLAGE, department: "区应急管理局" }, [Allow, Allow, Deny(OtherDepartment), Allow, Allow]);
        check(Action::ReadTasks { org_unit: OTHER_DISTRICT_VILLAGE, department: DEPT }, [S, S, S, S, S]);
        check(Action::Submit { org_unit: OTHER_TOWN_VILLAGE }, [R, R, R, S, S]);
        check(Action::WriteLedger { org_unit: SAME_TOWN_VILLAGE }, [R, R, R, Allow, S]);
        check(Action::ReadSubmission { org_unit: VILLAGE, department: DEPT }, [Allow, Allow, Allow, Allow, Allow]);
        check(Action::ReadSubmission { org_unit: SAME_TOWN_VILLAGE, department: DEPT }, [Allow, Allow, Allow, Allow, S]);
        check(
            Action::ReadSubmission { org_unit: VILLAGE, department: "区应急管理局" },
            [Allow, Allow, Deny(OtherDepartment), Allow, Allow],
        );
        check(Action::ReadSubmission { org_unit: OTHER_DISTRICT_VILLAGE, department: DEPT }, [S, S, S, S, S]);
        check(Action::ReadLedger { org_unit: OTHER_TOWN_VILLAGE }, [Allow, Allow, R, S, S]);
        check(Action::ManageUsers, [Allow, R, R, R, R]);
        check(Action::ManageSurvey { org_unit: "500118100", department: DEPT }, [R, R, Allow, Allow, R]);
        check(Action::ManageSurvey { org_unit: "500118", department: DEPT }, [R, R, Allow, S, R]);
        check(Action::ManageSurvey { org_unit: "500118", department: "区应急管理局" }, [R, R, Deny(OtherDepartment), S, R]);
        check(Action::ReviewNewRecord { org_unit: VILLAGE }, [R, R, R, Allow, R]);
        check(Action::ReviewNewRecord { org_unit: OTHER_TOWN_VILLAGE }, [R, R, R, S, R]);
        check(Action::ReadAuditLog, [Allow, R, R, R, R]);
        const O: Decision = Deny(OtherDepartment);
        check(Action::PublishTemplate { department: DEPT }, [R, R, Allow, R, R]);
        check(Action::PublishTemplate { department: "区应急管理局" }, [R, R, O, R, R]);
        check(Action::ReviewTemplate { district: "500118" }, [R, R, R, Allow, R]);
        check(Action::ReviewTemplate { district: "500101" }, [R, R, R, S, R]);
        check(Action::BeginDispatch, [R, R, Allow, Allow, R]);
        check(Action::Dispatch { org_unit: VILLAGE, department: DEPT }, [R, R, Allow, Allow, R]);
        check(Action::Dispatch { org_unit: OTHER_TOWN_VILLAGE, department: DEPT }, [R, R, Allow, S, R]);
        check(Action::Dispatch { org_unit: VILLAGE, department: "区应急管理局" }, [R, R, O, Allow, R]);
        check(Action::Dispatch { org_unit: OTHER_DISTRICT_VILLAGE, department: DEPT }, [R, R, S, S, R]);
        check(Action::ReturnSubmission { org_unit: SAME_TOWN_VILLAGE, department: DEPT }, [R, R, Allow, Allow, R]);
        check(Action::ReturnSubmission { org_unit: OTHER_TOWN_VILLAGE, department: "区应急管理局" }, [R, R, O, S, R]);
        check(Action::ReadSummary { org_unit: "500118", department: DEPT }, [Allow, Allow, Allow, S, R]);
        check(Action::ReadSummary { org_unit: "500118100", department: DEPT }, [Allow, Allow, Allow, Allow, R]);
        check(Action::ReadSummary { org_unit: VILLAGE, department: "区应急管理局" }, [Allow, Allow, O, Allow, R]);
    }

    /// Every route of the worker (`worker/src/lib.rs`) with the action it
    /// requires, decided for each role on the caller's own village, a
    /// village of the same town, of another town and of another district.
    /// Health, login, logout and `me` need no action; ingest is
    /// [`super::authorize_ingest`]'s; photos are issue 19's.
    #[test]
    fn every_route_by_role_and_unit() {
        const O: Decision = Deny(OtherDepartment);
        type Route = (&'static str, fn(&'static str) -> Action<'static>, [[Decision; 5]; 4]);
        // Rows per unit: own village, same town, other town, other district;
        // columns: admin, specialist, department, town, village.
        const A: Decision = Allow;
        let routes: [Route; 15] = [
            ("GET /api/templates, /api/org-units", |_| Action::ReadReferenceData, [[A; 5]; 4]),
            (
                "POST /api/forms, /api/tasks/{id}/form, GET /api/tasks/{id}/draft, /api/surveys/{id}/pick",
                |u| Action::GenerateForm { org_unit: u },
                [[R, R, R, A, A], [R, R, R, A, S], [R, R, R, S, S], [R, R, R, S, S]],
            ),
            (
                "POST /api/submissions, PUT /api/tasks/{id}/draft, PUT /api/photos",
                |u| Action::Submit { org_unit: u },
                [[R, R, R, A, A], [R, R, R, A, S], [R, R, R, S, S], [R, R, R, S, S]],
            ),
            (
                "GET /api/submissions, /api/submissions/{id}, …/file",
                |u| Action::ReadSubmission { org_unit: u, department: DEPT },
                [[A, A, A, A, A], [A, A, A, A, S], [A, A, A, S, S], [S, S, S, S, S]],
            ),
            (
                "GET /api/tasks, /api/burden, /api/dispatches, /api/dispatches/{id}",
                |u| Action::ReadTasks { org_unit: u, department: "区应急管理局" },
                [[A, A, O, A, A], [A, A, O, A, S], [A, A, O, S, S], [S, S, O, S, S]],
            ),
            (
                "GET /api/ledger/{entity}, /api/ledger/records/{id}, /api/ledger/export",
                |u| Action::ReadLedger { org_unit: u },
                [[A, A, R, A, A], [A, A, R, A, S], [A, A, R, S, S], [S, S, R, S, S]],
            ),
            (
                "PATCH /api/ledger/records/{id}, POST /api/ledger/import",
                |u| Action::WriteLedger { org_unit: u },
                [[R, R, R, A, A], [R, R, R, A, S], [R, R, R, S, S], [R, R, R, S, S]],
            ),
            ("GET/POST /api/users, PUT …/grants, POST …/unlock", |_| Action::ManageUsers, [[A, R, R, R, R]; 4]),
            ("GET /api/audit", |_| Action::ReadAuditLog, [[A, R, R, R, R]; 4]),
            (
                "POST /api/surveys, …/close, GET /api/surveys, /api/surveys/{id}",
                |u| Action::ManageSurvey { org_unit: u, department: DEPT },
                [[R, R, A, A, R], [R, R, A, A, R], [R, R, A, S, R], [R, R, S, S, R]],
            ),
            (
                "GET /api/ledger-intake, POST …/decision",
                |u| Action::ReviewNewRecord { org_unit: u },
                [[R, R, R, A, R], [R, R, R, A, R], [R, R, R, S, R], [R, R, R, S, R]],
            ),
            ("POST /api/dispatches (before its targets)", |_| Action::BeginDispatch, [[R, R, A, A, R]; 4]),
            (
                "POST /api/dispatches (each target)",
                |u| Action::Dispatch { org_unit: u, department: DEPT },
                [[R, R, A, A, R], [R, R, A, A, R], [R, R, A, S, R], [R, R, S, S, R]],
            ),
            (
                "POST /api/tasks/{id}/return",
                |u| Action::ReturnSubmission { org_unit: u, department: DEPT },
                [[R, R, A, A, R], [R, R, A, A, R], [R, R, A, S, R], [R, R, S, S, R]],
            ),
            (
                "GET /api/summary, /api/summary/export",
                |u| Action::ReadSummary { org_unit: u, department: DEPT },
                [[A, A, A, A, R], [A, A, A, A, R], [A, A, A, S, R], [S, S, S, S, R]],
            ),
        ];
        for (route, action, expect) in routes {
            for (unit, row) in [VILLAGE, SAME_TOWN_VILLAGE, OTHER_TOWN_VILLAGE, OTHER_DISTRICT_VILLAGE].into_iter().zip(expect) {
                for (role, expected) in Role::ALL.into_iter().zip(row) {
                    assert_eq!(authorize(&principal(role), &action(unit)), expected, "{route}: {role:?} on {unit}");
                }
            }
        }
        // Template requests are not per unit: by department and district.
        check(Action::PublishTemplate { department: "区应急管理局" }, [R, R, O, R, R]);
        check(Action::ReviewTemplate { district: "500101" }, [R, R, R, S, R]);
    }

    /// The district axis of the matrix for 重庆市民政局 (`500000`): it reads
    /// its department's summaries in 江北 and 永川, never 荔城's, another
    /// department's or the city itself, and it may write nothing anywhere.
    #[test]
    fn city_department_reads_summaries_of_its_districts_only() {
        let mut city = crate::test_support::principal(Role::DepartmentAnalyst, "500000");
        city.department = Some(CITY_DEPT.to_owned());
        let in_city = ["500105", "500118", "500118100", "500118100001", "500105001001"];
        let outside = ["350304", "350304100001", "500000", "500100", "5001", ""];
        for unit in in_city {
            assert_eq!(authorize(&city, &Action::ReadSummary { org_unit: unit, department: DEPT }), Allow, "{unit}");
            assert_eq!(authorize(&city, &Action::ReadSummary { org_unit: unit, department: CITY_DEPT }), Allow, "{unit}");
            assert_eq!(
                authorize(&city, &Action::ReadSummary { org_unit: unit, department: "莆田市民政局" }),
                Deny(OtherDepartment),
                "{unit}"
            );
            assert_eq!(
                authorize(&city, &Action::ReadSummary { org_unit: unit, department: "区应急管理局" }),
                Deny(OtherDepartment),
                "{unit}"
            );
        }
        for unit in outside {
            assert_eq!(authorize(&city, &Action::ReadSummary { org_unit: unit, department: DEPT }), Deny(OutOfScope), "{unit}");
        }
        for unit in in_city.into_iter().chain(outside) {
            let every_other = [
                Action::GenerateForm { org_unit: unit },
                Action::Submit { org_unit: unit },
                Action::ReadSubmission { org_unit: unit, department: DEPT },
                Action::ReadTasks { org_unit: unit, department: DEPT },
                Action::ReadLedger { org_unit: unit },
                Action::WriteLedger { org_unit: unit },
                Action::ManageSurvey { org_unit: unit, department: DEPT },
                Action::ReviewNewRecord { org_unit: unit },
                Action::ReviewTemplate { district: unit },
                Action::Dispatch { org_unit: unit, department: DEPT },
                Action::ReturnSubmission { org_unit: unit, department: DEPT },
            ];
            for action in every_other {
                assert_eq!(authorize(&city, &action), Deny(NotForRole), "{action:?}");
            }
        }
        for action in [
            Action::PublishTemplate { department: DEPT },
            Action::PublishTemplate { department: CITY_DEPT },
            Action::BeginDispatch,
            Action::ManageUsers,
            Action::ReadAuditLog,
            // Without the author's grant the analyst stays read-only.
            Action::FileCityTemplate { department: CITY_DEPT },
        ] {
            assert_eq!(authorize(&city, &action), Deny(NotForRole), "{action:?}");
        }
        assert_eq!(authorize(&city, &Action::ReadReferenceData), Allow);
        assert_eq!(authorize(&city, &Action::ReadCityTemplates { department: CITY_DEPT }), Allow);
        assert_eq!(authorize(&city, &Action::ReadCityTemplates { department: DEPT }), Deny(OtherDepartment));
        // Any other role at city level reads no summary at all.
        for role in [Role::SystemAdmin, Role::AdminSpecialist, Role::TownCoordinator, Role::VillageStaff] {
            let other = crate::test_support::principal(role, "500000");
            assert_eq!(authorize(&other, &Action::ReadSummary { org_unit: "500118", department: DEPT }), Deny(NotForRole), "{role:?}");
        }
        // A district analyst of 永川 still never reads 江北.
        assert_eq!(authorize(&principal(Role::DepartmentAnalyst), &Action::ReadSummary { org_unit: "500105", department: DEPT }), S);
    }

    /// The new rows of the matrix (issue 16, city templates): 重庆市民政局
    /// holding [`super::super::CITY_AUTHOR_GRANT`] files its own
    /// department's templates and dispatches them to villages of 江北 and
    /// 永川 — never 荔城's, never another department's template, never the
    /// city itself — and still acts on no district route; nobody at
    /// district level files or reads city filings.
    #[test]
    fn city_author_files_and_dispatches_within_its_city() {
        let mut author = crate::test_support::principal(Role::DepartmentAnalyst, "500000");
        author.department = Some(CITY_DEPT.to_owned());
        author.grants = vec![crate::access::CITY_AUTHOR_GRANT.to_owned()];
        assert_eq!(authorize(&author, &Action::FileCityTemplate { department: CITY_DEPT }), Allow);
        assert_eq!(authorize(&author, &Action::FileCityTemplate { department: DEPT }), Deny(OtherDepartment));
        assert_eq!(authorize(&author, &Action::ReadCityTemplates { department: CITY_DEPT }), Allow);
        assert_eq!(authorize(&author, &Action::BeginDispatch), Allow);
        for unit in ["500105001001", "500118100001", "500118100", "500118"] {
            assert_eq!(authorize(&author, &Action::Dispatch { org_unit: unit, department: CITY_DEPT }), Allow, "{unit}");
            assert_eq!(authorize(&author, &Action::Dispatch { org_unit: unit, department: DEPT }), Deny(OtherDepartment), "{unit}");
        }
        for unit in ["350304100001", "350304", "500000", "500100", ""] {
            assert_eq!(authorize(&author, &Action::Dispatch { org_unit: unit, department: CITY_DEPT }), Deny(OutOfScope), "{unit}");
        }
        for unit in ["500118", "500118100001"] {
            for action in [
                Action::GenerateForm { org_unit: unit },
                Action::Submit { org_unit: unit },
                Action::ReadSubmission { org_unit: unit, department: CITY_DEPT },
                Action::ReadTasks { org_unit: unit, department: CITY_DEPT },
                Action::ReadLedger { org_unit: unit },
                Action::WriteLedger { org_unit: unit },
                Action::ManageSurvey { org_unit: unit, department: CITY_DEPT },
                Action::ReviewNewRecord { org_unit: unit },
                Action::ReviewTemplate { district: unit },
                Action::ReturnSubmission { org_unit: unit, department: CITY_DEPT },
            ] {
                assert_eq!(authorize(&author, &action), Deny(NotForRole), "{action:?}");
            }
        }
        for action in [Action::PublishTemplate { department: CITY_DEPT }, Action::ManageUsers, Action::ReadAuditLog] {
            assert_eq!(authorize(&author, &action), Deny(NotForRole), "{action:?}");
        }
        // The grant makes nobody else an author: another role at city
        // level, or any role of a district holding it.
        for role in [Role::SystemAdmin, Role::AdminSpecialist, Role::TownCoordinator, Role::VillageStaff] {
            let mut other = crate::test_support::principal(role, "500000");
            other.department = Some(CITY_DEPT.to_owned());
            other.grants = author.grants.clone();
            for action in [
                Action::FileCityTemplate { department: CITY_DEPT },
                Action::ReadCityTemplates { department: CITY_DEPT },
                Action::BeginDispatch,
                Action::Dispatch { org_unit: "500118100001", department: CITY_DEPT },
            ] {
                assert_eq!(authorize(&other, &action), Deny(NotForRole), "{role:?} {action:?}");
            }
        }
        for role in Role::ALL {
            let mut district = principal(role);
            district.grants = author.grants.clone();
            district.department = Some(CITY_DEPT.to_owned());
            assert_eq!(authorize(&district, &Action::FileCityTemplate { department: CITY_DEPT }), R, "{role:?}");
            assert_eq!(authorize(&district, &Action::ReadCityTemplates { department: CITY_DEPT }), R, "{role:?}");
        }
        check(Action::FileCityTemplate { department: DEPT }, [R, R, R, R, R]);
        check(Action::ReadCityTemplates { department: DEPT }, [R, R, R, R, R]);
    }

    #[test]
    fn scope_is_by_code_prefix_at_real_levels() {
        assert!(in_scope("500118", "500118100001"));
        assert!(in_scope("500118100", "500118100001"));
        assert!(in_scope("500118100001", "500118100001"));
        assert!(!in_scope("500118100001", "500118100"), "a village does not contain its town");
        assert!(!in_scope("5001", "500118100001"), "only district, town and village codes scope");
        assert!(!in_scope("", "500118"));
    }
}
