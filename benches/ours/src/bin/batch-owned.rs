//! `batch-owned`: `examples/batch.rs` with an event type that owns its strings (`message_id:
//! String`, `body: String`): every message id and every body is copied out of the invocation's
//! body. The same check, the same log record and the same reply (`{"batchItemFailures":[…]}`
//! with the ids of the bodies that are not JSON); the reply owns its ids too (a copy of each
//! failed id), as the event is gone when it is written.

use serde::de::IgnoredAny;

#[derive(serde::Deserialize)]
struct Batch {
    #[serde(rename = "Records")]
    records: Vec<Message>,
}

#[derive(serde::Deserialize)]
struct Message {
    #[serde(rename = "messageId")]
    message_id: String,
    body: String,
}

#[derive(serde::Serialize)]
struct BatchResponse {
    #[serde(rename = "batchItemFailures")]
    batch_item_failures: Vec<ItemFailure>,
}

#[derive(serde::Serialize)]
struct ItemFailure {
    #[serde(rename = "itemIdentifier")]
    item_identifier: String,
}

#[ruchy_lambda::handler]
fn handle(batch: Batch) -> BatchResponse {
    let mut bytes = 0;
    let mut batch_item_failures = Vec::new();
    for message in &batch.records {
        bytes += message.body.len();
        if serde_json::from_str::<IgnoredAny>(&message.body).is_err() {
            batch_item_failures.push(ItemFailure {
                item_identifier: message.message_id.clone(),
            });
        }
    }
    log::info!(
        "{} messages, {bytes} bytes, {} not JSON",
        batch.records.len(),
        batch_item_failures.len()
    );
    BatchResponse {
        batch_item_failures,
    }
}
