//! `echo` for the concurrency figures: the same handler as `echo`, run with `run_concurrent`
//! (with `AWS_LAMBDA_MAX_CONCURRENCY` = N > 1 it polls with N tokio tasks; unset, it runs
//! sequentially). `echo` itself keeps `lambda_runtime::run`.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;

async fn handle(event: LambdaEvent<Box<RawValue>>) -> Result<Box<RawValue>, Error> {
    Ok(event.payload)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run_concurrent(service_fn(handle)).await
}
