//! What the map and parallel functions return about a batch: the projections the requirements
//! expect, built from a `BatchResult`.

use ruchy_lambda::durable::{BatchResult, CompletionReason};
use serde_json::{Map, Value, json};

/// The completion reason as AWS's SDKs name it.
fn reason(reason: &CompletionReason) -> &'static str {
    match reason {
        CompletionReason::AllCompleted => "ALL_COMPLETED",
        CompletionReason::MinSuccessfulReached => "MIN_SUCCESSFUL_REACHED",
        CompletionReason::FailureToleranceExceeded => "FAILURE_TOLERANCE_EXCEEDED",
    }
}

/// `fields` of the batch's summary: `completionReason`, `status` (FAILED when an item failed),
/// `successCount`, `failureCount`, `totalCount` (the items that ran).
pub fn summary<R>(batch: &BatchResult<R>, fields: &[&str]) -> Value {
    let failures = batch.failure_count();
    let all = json!({
        "completionReason": reason(&batch.completion_reason),
        "status": if failures > 0 { "FAILED" } else { "SUCCEEDED" },
        "successCount": batch.success_count(),
        "failureCount": failures,
        "totalCount": batch.items.len(),
    });
    let picked: Map<String, Value> = fields
        .iter()
        .filter_map(|f| all.get(*f).map(|v| ((*f).to_owned(), v.clone())))
        .collect();
    Value::Object(picked)
}

/// Every field of the summary.
pub const ALL: &[&str] = &[
    "completionReason",
    "status",
    "successCount",
    "failureCount",
    "totalCount",
];
/// The summary without `status`.
pub const COUNTS: &[&str] = &[
    "completionReason",
    "successCount",
    "failureCount",
    "totalCount",
];
