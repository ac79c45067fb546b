//! The edge worker: routes `/api/*` to handlers and sends the front-end's
//! wasm, scripts and styles precompressed (`precompressed`); every other
//! path is served from the built front-end by the static-assets binding.

mod api;
mod auth;
mod crypto;
mod error;
mod http;
mod precompressed;
mod sheets;
mod store;
mod template_cache;

use worker::{Context, Env, Request, Response, Result, Router, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    if !req.path().starts_with("/api/") {
        return precompressed::serve(req, &env).await;
    }
    Router::new()
        .get_async("/api/health", |_, ctx| http::respond(api::health::get(ctx)))
        .post_async("/api/auth/login", |req, ctx| http::respond(api::auth::login(req, ctx)))
        .post_async("/api/auth/logout", |req, ctx| http::respond(api::auth::logout(req, ctx)))
        .post_async("/api/auth/password", |req, ctx| http::respond(api::auth::change_password(req, ctx)))
        .get_async("/api/auth/me", |req, ctx| http::respond(api::auth::me(req, ctx)))
        .get_async("/api/templates", |req, ctx| http::respond(api::templates::list(req, ctx)))
        .get_async("/api/templates/fields", |req, ctx| http::respond(api::templates::live_fields(req, ctx)))
        .get_async("/api/org-units", |req, ctx| http::respond(api::org_units::list(req, ctx)))
        .get_async("/api/org-units/search", |req, ctx| http::respond(api::org_units::search(req, ctx)))
        .post_async("/api/forms", |req, ctx| http::respond(api::forms::generate(req, ctx)))
        .post_async("/api/submissions", |req, ctx| http::respond(api::submissions::create(req, ctx)))
        .get_async("/api/submissions", |req, ctx| http::respond(api::submissions::list(req, ctx)))
        .get_async("/api/submissions/:id", |req, ctx| http::respond(api::submissions::get(req, ctx)))
        .get_async("/api/submissions/:id/file", |req, ctx| http::respond_file(api::submissions::file(req, ctx)))
        .get_async("/api/tasks", |req, ctx| http::respond(api::tasks::list(req, ctx)))
        .post_async("/api/tasks/:id/form", |req, ctx| http::respond(api::tasks::form(req, ctx)))
        .get_async("/api/tasks/:id/draft", |req, ctx| http::respond(api::tasks::get_draft(req, ctx)))
        .put_async("/api/tasks/:id/draft", |req, ctx| http::respond(api::tasks::put_draft(req, ctx)))
        .get_async("/api/burden", |req, ctx| http::respond(api::burden::report(req, ctx)))
        .get_async("/api/users", |req, ctx| http::respond(api::users::list(req, ctx)))
        .post_async("/api/users", |req, ctx| http::respond(api::users::create(req, ctx)))
        .put_async("/api/users/:id/grants", |req, ctx| http::respond(api::users::set_grants(req, ctx)))
        .post_async("/api/users/:id/unlock", |req, ctx| http::respond(api::users::unlock(req, ctx)))
        .get_async("/api/ledger/search", |req, ctx| http::respond(api::ledger_search::search(req, ctx)))
        .get_async("/api/ledger/transfers", |req, ctx| http::respond(api::transfers::list(req, ctx)))
        .post_async("/api/ledger/transfers", |req, ctx| http::respond(api::transfers::create(req, ctx)))
        .post_async("/api/ledger/transfers/:id/decision", |req, ctx| http::respond(api::transfers::decide(req, ctx)))
        .get_async("/api/ledger/district-transfers", |req, ctx| http::respond(api::transfers::list_across(req, ctx)))
        .get_async("/api/ledger/district-transfers/districts", |req, ctx| http::respond(api::transfers::served_districts(req, ctx)))
        .post_async("/api/ledger/district-transfers", |req, ctx| http::respond(api::transfers::create_across(req, ctx)))
        .post_async("/api/ledger/district-transfers/:id/decision", |req, ctx| http::respond(api::transfers::decide_across(req, ctx)))
        .patch_async("/api/users/:id", |req, ctx| http::respond(api::users::update(req, ctx)))
        .post_async("/api/users/:id/password", |req, ctx| http::respond(api::users::reset_password(req, ctx)))
        .get_async("/api/ledger/export", |req, ctx| http::respond_file(api::ledger::export(req, ctx)))
        .post_async("/api/ledger/import", |req, ctx| http::respond(api::ledger::import(req, ctx)))
        .get_async("/api/ledger/records/:id", |req, ctx| http::respond(api::ledger::get(req, ctx)))
        .patch_async("/api/ledger/records/:id", |req, ctx| http::respond(api::ledger::patch(req, ctx)))
        .get_async("/api/ledger/:entity/template.xlsx", |req, ctx| http::respond_file(api::ledger::template(req, ctx)))
        .get_async("/api/ledger/:entity", |req, ctx| http::respond(api::ledger::list(req, ctx)))
        .post_async("/api/ingest/:entity", |req, ctx| http::respond(api::ingest::push(req, ctx)))
        .post_async("/api/surveys", |req, ctx| http::respond(api::surveys::start(req, ctx)))
        .post_async("/api/surveys/preview", |req, ctx| http::respond(api::surveys::preview(req, ctx)))
        .get_async("/api/surveys", |req, ctx| http::respond(api::surveys::list(req, ctx)))
        .get_async("/api/surveys/:id", |req, ctx| http::respond(api::surveys::get_board(req, ctx)))
        .get_async("/api/surveys/:id/pick", |req, ctx| http::respond(api::surveys::pick(req, ctx)))
        .post_async("/api/surveys/:id/close", |req, ctx| http::respond(api::surveys::close(req, ctx)))
        .get_async("/api/ledger-intake", |req, ctx| http::respond(api::survey_intake::list(req, ctx)))
        .post_async("/api/ledger-intake/:id/decision", |req, ctx| http::respond(api::survey_intake::decide(req, ctx)))
        .put_async("/api/photos", |req, ctx| http::respond(api::surveys::upload_photo(req, ctx)))
        .get_async("/api/photos/:hash", |req, ctx| http::respond_file(api::surveys::get_photo(req, ctx)))
        .get_async("/api/audit", |req, ctx| http::respond(api::audit::list(req, ctx)))
        .get_async("/api/audit/export", |req, ctx| http::respond_file(api::audit::export(req, ctx)))
        .get_async("/api/audit/accounts", |req, ctx| http::respond(api::audit::accounts(req, ctx)))
        // Issue 7: review (报表准入), dispatch, completion board, summary.
        .post_async("/api/template-requests", |req, ctx| http::respond(api::reviews::publish(req, ctx)))
        .get_async("/api/template-requests", |req, ctx| http::respond(api::reviews::list(req, ctx)))
        .get_async("/api/template-requests/:id", |req, ctx| http::respond(api::reviews::get(req, ctx)))
        .post_async("/api/template-requests/:id/decision", |req, ctx| http::respond(api::reviews::decide(req, ctx)))
        .post_async("/api/dispatches", |req, ctx| http::respond(api::dispatches::create(req, ctx)))
        .get_async("/api/dispatches", |req, ctx| http::respond(api::dispatches::list(req, ctx)))
        .get_async("/api/dispatches/:id", |req, ctx| http::respond(api::dispatches::board(req, ctx)))
        .post_async("/api/tasks/:id/return", |req, ctx| http::respond(api::dispatches::return_task(req, ctx)))
        .get_async("/api/summary", |req, ctx| http::respond(api::summary::get(req, ctx)))
        .get_async("/api/summary/export", |req, ctx| http::respond_file(api::summary::export(req, ctx)))
        // Issue 16, the city level: a city department's reads across its districts.
        .get_async("/api/city/summary/:template", |req, ctx| http::respond(api::city::summary_of(req, ctx)))
        // Issue 16, city templates: filed once, admitted per district, dispatched to chosen districts.
        .post_async("/api/city/templates", |req, ctx| http::respond(api::city_templates::file(req, ctx)))
        .get_async("/api/city/templates", |req, ctx| http::respond(api::city_templates::list(req, ctx)))
        .get_async("/api/city/templates/:id", |req, ctx| http::respond(api::city_templates::get(req, ctx)))
        .post_async("/api/city/templates/:id/dispatch", |req, ctx| http::respond(api::city_templates::dispatch(req, ctx)))
        .get_async("/api/city/reports", |req, ctx| http::respond(api::city::reports(req, ctx)))
        .get_async("/api/city/export/:template", |req, ctx| http::respond_file(api::city::export(req, ctx)))
        .or_else_any_method_async("/api/*rest", |_, _| http::respond(async { Err::<http::Json<()>, _>(error::AppError::NoSuchEndpoint) }))
        .run(req, env)
        .await
}
