//! `GET /api/burden`: the burden meter — per submission, per village per
//! month and in total, cells pre-filled vs typed and minutes to submit.

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::access::{Action, Role};
use ybt_core::api::BurdenReport;
use ybt_core::messages::Text;

use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::Json;
use crate::store::Store;

#[derive(Deserialize)]
struct Query {
    org_unit: Option<String>,
    month: Option<String>,
}

fn is_month(s: &str) -> bool {
    s.len() == 7 && s.as_bytes()[4] == b'-' && ybt_core::expr::Date::parse(&format!("{s}-01")).is_some()
}

pub async fn report(req: Request, ctx: RouteContext<()>) -> Result<Json<BurdenReport>, AppError> {
    let query: Query = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    if let Some(month) = query.month.as_deref().filter(|m| !is_month(m)) {
        return Err(AppError::BadRequest {
            code: "bad_month",
            message: Text::new(format!("月份「{month}」应为 YYYY-MM 格式"), format!("month `{month}` must be YYYY-MM")),
        });
    }
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let scope = query.org_unit.clone().unwrap_or_else(|| principal.org_unit.clone());
    let department = (principal.role == Role::DepartmentAnalyst).then(|| principal.department.clone().unwrap_or_default());
    require(&principal, &Action::ReadTasks { org_unit: &scope, department: department.as_deref().unwrap_or_default() })?;
    let unit = crate::api::forms::org_unit(&store, &scope).await?;
    let entries = store.burden_entries(&scope, query.month.as_deref().filter(|m| !m.is_empty()), department.as_deref()).await?;
    Ok(Json(200, ybt_core::burden::summarize(&unit.code, &unit.name, entries)))
}
