//! `minimal` on `lambda_runtime` with a SnapStart resource: its `before_snapshot` and
//! `after_restore` hooks (the trait's defaults, which do nothing) run around `/restore/next`.
//! `lambda_runtime::run` is `Runtime::new(..).layer(TracingLayer::new()).run()`: the same here,
//! with the resource registered.

use std::sync::Arc;

use lambda_runtime::layers::TracingLayer;
use lambda_runtime::{Error, LambdaEvent, Runtime, SnapStartResource, service_fn};
use serde::Serialize;
use serde::de::IgnoredAny;

#[derive(Serialize)]
struct Reply {
    #[serde(rename = "statusCode")]
    status_code: u16,
    body: &'static str,
}

struct Hooks;

impl SnapStartResource for Hooks {}

async fn handle(_event: LambdaEvent<IgnoredAny>) -> Result<Reply, Error> {
    Ok(Reply {
        status_code: 200,
        body: "ok",
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    Runtime::new(service_fn(handle))
        .layer(TracingLayer::new())
        .register_snapstart_resource(Arc::new(Hooks))
        .run()
        .await
}
