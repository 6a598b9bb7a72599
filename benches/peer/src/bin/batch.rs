//! `batch` on `lambda_runtime`: `examples/batch.rs` with the official event types,
//! `aws_lambda_events`' `SqsEvent` in (every field of every message, owned: `lambda_runtime`
//! requires `DeserializeOwned`) and `SqsBatchResponse` out. The same check (every body that is
//! not JSON is reported as failed), the same record (through `tracing`, the crate's documented
//! way) and the same reply, byte for byte.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn, tracing};
use serde::de::IgnoredAny;

async fn handle(event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    let records = &event.payload.records;
    let mut bytes = 0;
    let mut response = SqsBatchResponse::default();
    for message in records {
        let body = message.body.as_deref().unwrap_or_default();
        bytes += body.len();
        if serde_json::from_str::<IgnoredAny>(body).is_err() {
            response.add_failure(message.message_id.clone().unwrap_or_default());
        }
    }
    tracing::info!(
        "{} messages, {bytes} bytes, {} not JSON",
        records.len(),
        response.batch_item_failures.len()
    );
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    lambda_runtime::run(service_fn(handle)).await
}
