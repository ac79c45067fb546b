//! `GET /api/burden`: the burden meter — per submission, per village per
//! month and in total, cells pre-filled vs typed and minutes to submit
//! (`ybt_core::service::burden_report`).

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::api::BurdenReport;
use ybt_core::messages::Text;
use ybt_core::service::burden_report::{burden_report, check_month};

use crate::auth;
use crate::error::AppError;
use crate::http::Json;
use crate::store::Store;

#[derive(Deserialize)]
struct Query {
    org_unit: Option<String>,
    month: Option<String>,
}

pub async fn report(req: Request, ctx: RouteContext<()>) -> Result<Json<BurdenReport>, AppError> {
    let query: Query = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    // A malformed month is refused before signing in is checked.
    check_month(query.month.as_deref())?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, burden_report(&principal, query.org_unit.as_deref(), query.month.as_deref(), &store).await?))
}
