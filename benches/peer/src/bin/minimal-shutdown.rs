//! `minimal` on `lambda_runtime` with its graceful-shutdown helper (feature `graceful-shutdown`):
//! a no-op internal extension, and a task that waits for `SIGTERM`, runs the hook (here it does
//! nothing) and exits.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::IgnoredAny;

#[derive(Serialize)]
struct Reply {
    #[serde(rename = "statusCode")]
    status_code: u16,
    body: &'static str,
}

async fn handle(_event: LambdaEvent<IgnoredAny>) -> Result<Reply, Error> {
    Ok(Reply {
        status_code: 200,
        body: "ok",
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::spawn_graceful_shutdown_handler(|| async {}).await;
    lambda_runtime::run(service_fn(handle)).await
}
