//! `log10` on `lambda_runtime`: `minimal` that writes ten INFO records per invocation, the
//! crate's documented way: `lambda_runtime::tracing::init_default_subscriber()` (a
//! `tracing-subscriber` that writes JSON lines to stdout when `AWS_LAMBDA_LOG_FORMAT` is `JSON`,
//! at `AWS_LAMBDA_LOG_LEVEL`) and `tracing::info!`.

use lambda_runtime::{Error, LambdaEvent, service_fn, tracing};
use serde::Serialize;
use serde::de::IgnoredAny;

#[derive(Serialize)]
struct Reply {
    #[serde(rename = "statusCode")]
    status_code: u16,
    body: &'static str,
}

async fn handle(_event: LambdaEvent<IgnoredAny>) -> Result<Reply, Error> {
    for i in 1..=10 {
        tracing::info!("record {i} of 10");
    }
    Ok(Reply {
        status_code: 200,
        body: "ok",
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    lambda_runtime::run(service_fn(handle)).await
}
