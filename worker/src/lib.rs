//! The edge worker: routes `/api/*` to handlers; every other path is served
//! from the built front-end by the static-assets binding.

mod api;
mod error;
mod http;
mod store;
mod template_cache;

use worker::{Context, Env, Request, Response, Result, Router, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Router::new()
        .get_async("/api/health", |_, ctx| http::respond(api::health::get(ctx)))
        .get_async("/api/templates", |_, ctx| http::respond(api::templates::list(ctx)))
        .get_async("/api/org-units", |req, ctx| http::respond(api::org_units::list(req, ctx)))
        .post_async("/api/forms", |req, ctx| http::respond(api::forms::generate(req, ctx)))
        .post_async("/api/submissions", |req, ctx| http::respond(api::submissions::create(req, ctx)))
        .get_async("/api/submissions", |req, ctx| http::respond(api::submissions::list(req, ctx)))
        .get_async("/api/submissions/:id", |_, ctx| http::respond(api::submissions::get(ctx)))
        .or_else_any_method_async("/api/*rest", |_, _| http::respond(async { Err::<http::Json<()>, _>(error::AppError::NoSuchEndpoint) }))
        .run(req, env)
        .await
}
