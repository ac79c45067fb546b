//! HTTP handlers, one module per resource: authenticate, parse, call core,
//! map the result.

pub mod audit;
pub mod auth;
pub mod burden;
pub mod city;
pub mod city_templates;
pub mod dispatches;
pub mod forms;
pub mod health;
pub mod ingest;
pub mod ledger;
pub mod ledger_search;
pub mod org_units;
pub mod reviews;
pub mod submissions;
pub mod summary;
pub mod survey_intake;
pub mod surveys;
pub mod tasks;
pub mod templates;
pub mod transfers;
pub mod users;

/// The city routes' fan-out (issue 16): runs `run` once per item (a
/// district, named by `code`), each on a fresh `Store` routed to that
/// district, all at once, and answers the outcomes in the items' order; a
/// district that fails is logged under `what` and left to core to name in
/// the answer.
pub(crate) async fn in_each_district<'a, I, T, Fut>(
    env: &worker::Env,
    what: &str,
    items: &'a [I],
    code: impl Fn(&'a I) -> &'a str,
    run: impl Fn(crate::store::Store, &'a I) -> Fut,
) -> Vec<Result<T, ybt_core::service::ServiceError>>
where
    Fut: std::future::Future<Output = Result<T, ybt_core::service::ServiceError>>,
{
    let (run, code) = (&run, &code);
    let outcomes = futures_util::future::join_all(items.iter().map(|item| async move {
        let store = crate::store::Store::from_env(env)?;
        store.route(code(item)).await?;
        run(store, item).await
    }))
    .await;
    for (item, outcome) in items.iter().zip(&outcomes) {
        if let Err(e) = outcome {
            worker::console_error!("{what}: district {} failed: {e}", code(item));
        }
    }
    outcomes
}
