//! `echo` on `lambda_runtime`: sends the (JSON) event back as it came, without building a value
//! tree (`RawValue`), the closest `lambda_runtime` has to a raw-bytes handler.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::value::RawValue;

async fn handle(event: LambdaEvent<Box<RawValue>>) -> Result<Box<RawValue>, Error> {
    Ok(event.payload)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
