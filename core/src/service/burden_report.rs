//! The burden meter (`GET /api/burden`): per submission, per village per
//! month and in total, cells pre-filled vs typed and minutes to submit.

use crate::access::{Action, Principal};
use crate::api::{BurdenEntry, BurdenReport};
use crate::messages::Text;
use crate::service::require;

use super::tasks::department_of;
use super::{Directory, ServiceError};

/// The burden meter's figures.
#[allow(async_fn_in_trait)]
pub trait BurdenStore {
    /// Submissions of `scope` and the units inside it, newest first, of one
    /// Beijing month (`YYYY-MM`, valid) when given, narrowed to a
    /// department's templates when given.
    async fn burden_entries(&self, scope: &str, month: Option<&str>, department: Option<&str>) -> Result<Vec<BurdenEntry>, ServiceError>;
}

/// `month` as asked: absent (all months) or `YYYY-MM`.
pub fn check_month(month: Option<&str>) -> Result<(), ServiceError> {
    match month {
        Some(month) if !is_month(month) => Err(bad_month(month)),
        _ => Ok(()),
    }
}

fn is_month(s: &str) -> bool {
    s.len() == 7 && s.as_bytes()[4] == b'-' && crate::expr::Date::parse(&format!("{s}-01")).is_some()
}

pub fn bad_month(month: &str) -> ServiceError {
    ServiceError::BadRequest {
        code: "bad_month",
        message: Text::new(format!("月份「{month}」应为 YYYY-MM 格式"), format!("month `{month}` must be YYYY-MM")),
    }
}

/// The burden report of `org_unit` (the reader's own unit when absent);
/// a department analyst's is of its department's templates only.
pub async fn burden_report<S: Directory + BurdenStore>(
    principal: &Principal,
    org_unit: Option<&str>,
    month: Option<&str>,
    store: &S,
) -> Result<BurdenReport, ServiceError> {
    check_month(month)?;
    let scope = org_unit.unwrap_or(&principal.org_unit);
    let department = department_of(principal);
    require(principal, &Action::ReadTasks { org_unit: scope, department: department.unwrap_or_default() })?;
    let unit = store.org_unit(scope).await?.ok_or(ServiceError::NotFound { what: "org unit", zh: "该行政区划" })?;
    let entries = store.burden_entries(scope, month.filter(|m| !m.is_empty()), department).await?;
    Ok(crate::burden::summarize(&unit.code, &unit.name, entries))
}
