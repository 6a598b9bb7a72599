//! An SQS batch summarised without copying it: the handler's event type borrows from the body
//! of the invocation (`Batch<'a>`), so no message id and no message body is copied out of it.
//!
//! Send an SQS event (`{"Records":[{"messageId":"…","body":"…"}, …]}`, other fields ignored).
//! Every body that is not JSON is reported back as failed, in the partial-batch response shape
//! (`ReportBatchItemFailures`): `{"batchItemFailures":[{"itemIdentifier":"…"}]}`. A record says
//! how many messages and bytes the batch held.
//!
//! `messageId` is a `&str`: Lambda's ids never hold an escape. `body` is a `Cow<str>`: borrowed
//! when the body has no escape, copied when it has one (a JSON body in an SQS event always does:
//! its quotes are escaped). A `&str` field given an escaped string fails the invocation with a
//! `DeserializationError` that says to use `Cow<str>`.

use std::borrow::Cow;

use serde::de::IgnoredAny;

#[derive(serde::Deserialize)]
struct Batch<'a> {
    #[serde(rename = "Records", borrow)]
    records: Vec<Message<'a>>,
}

#[derive(serde::Deserialize)]
struct Message<'a> {
    #[serde(rename = "messageId")]
    message_id: &'a str,
    #[serde(borrow)]
    body: Cow<'a, str>,
}

#[derive(serde::Serialize)]
struct BatchResponse<'a> {
    #[serde(rename = "batchItemFailures")]
    batch_item_failures: Vec<ItemFailure<'a>>,
}

#[derive(serde::Serialize)]
struct ItemFailure<'a> {
    #[serde(rename = "itemIdentifier")]
    item_identifier: &'a str,
}

#[ruchy_lambda::handler]
fn handle<'a>(batch: Batch<'a>) -> BatchResponse<'a> {
    let mut bytes = 0;
    let mut batch_item_failures = Vec::new();
    for message in &batch.records {
        bytes += message.body.len();
        if serde_json::from_str::<IgnoredAny>(&message.body).is_err() {
            batch_item_failures.push(ItemFailure {
                item_identifier: message.message_id,
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

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"Records":[
        {"messageId":"m-1","receiptHandle":"r","body":"{\"order\":7}","attributes":{}},
        {"messageId":"m-2","body":"plain text, not JSON"},
        {"messageId":"m-3","body":"[1,2,3]"}
    ]}"#;

    #[test]
    fn bodies_that_are_not_json_are_reported() {
        let event = EVENT.to_owned();
        let batch: Batch<'_> = serde_json::from_str(&event).unwrap();
        let reply = serde_json::to_string(&handle(batch)).unwrap();
        assert_eq!(reply, r#"{"batchItemFailures":[{"itemIdentifier":"m-2"}]}"#);
    }

    #[test]
    fn ids_and_plain_bodies_point_into_the_event() {
        let event = EVENT.to_owned();
        let batch: Batch<'_> = serde_json::from_str(&event).unwrap();
        let within = |s: &str| event.as_bytes().as_ptr_range().contains(&s.as_ptr());
        assert!(batch.records.iter().all(|m| within(m.message_id)));
        // The escaped JSON body is the one copy; the others are borrowed.
        let borrowed: Vec<bool> = batch
            .records
            .iter()
            .map(|m| matches!(m.body, Cow::Borrowed(b) if within(b)))
            .collect();
        assert_eq!(borrowed, [false, true, true]);
    }
}
