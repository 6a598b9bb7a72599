//! `sleep` on `lambda_runtime`: `{"ms":10}` → waits 10 ms (`tokio::time::sleep`, at most a
//! minute), then `{"ms":10,"request_id":"…","trace_id":"…"}`. Runs with `run_concurrent`: with
//! `AWS_LAMBDA_MAX_CONCURRENCY` = N > 1 it polls with N tokio tasks.

use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Wait {
    ms: u64,
}

#[derive(Serialize)]
struct Waited {
    ms: u64,
    request_id: String,
    trace_id: Option<String>,
}

/// The longest wait asked for that is honoured: a minute.
const MAX_MS: u64 = 60_000;

async fn handle(event: LambdaEvent<Wait>) -> Result<Waited, Error> {
    let ms = event.payload.ms.min(MAX_MS);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(Waited {
        ms,
        request_id: event.context.request_id,
        trace_id: event.context.xray_trace_id,
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run_concurrent(service_fn(handle)).await
}
