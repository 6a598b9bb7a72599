//! What `map` and `parallel` return, and when they complete: [`BatchResult`],
//! [`CompletionConfig`].

use serde::{Deserialize, Serialize};

use crate::failure::{DurableError, ErrorKind};
use crate::model::ErrorObject;

/// Where one item of a batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BatchItemStatus {
    /// It returned its result.
    Succeeded,
    /// It failed.
    Failed,
    /// It started but had not ended when the batch completed (a completion rule met early).
    Started,
}

/// Why a batch completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompletionReason {
    /// Every item ended.
    AllCompleted,
    /// Enough items succeeded.
    MinSuccessfulReached,
    /// More items failed than tolerated.
    FailureToleranceExceeded,
}

/// One item of a batch: its index, where it ended, its result or its error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchItem<R> {
    /// Its index among the items (or branches), from 0.
    pub index: usize,
    /// Where it ended.
    pub status: BatchItemStatus,
    /// Its result, when it succeeded.
    pub result: Option<R>,
    /// Its error, when it failed: the error it ended with (a failed step's own error).
    pub error: Option<ErrorObject>,
}

/// The result of a `map` or `parallel`: every item started, in index order, and why the batch
/// completed. Serialized as AWS's SDKs serialize theirs (`{"all": [...], "completionReason":
/// "ALL_COMPLETED"}`), which is what is saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResult<R> {
    /// The items started, in index order.
    #[serde(rename = "all")]
    pub items: Vec<BatchItem<R>>,
    /// Why the batch completed.
    #[serde(rename = "completionReason")]
    pub completion_reason: CompletionReason,
}

impl<R> BatchResult<R> {
    /// The results of the items that succeeded, in index order.
    pub fn results(&self) -> Vec<&R> {
        self.items
            .iter()
            .filter(|i| i.status == BatchItemStatus::Succeeded)
            .filter_map(|i| i.result.as_ref())
            .collect()
    }

    /// The results of the items that succeeded, taken out, in index order.
    pub fn into_results(self) -> Vec<R> {
        self.items
            .into_iter()
            .filter(|i| i.status == BatchItemStatus::Succeeded)
            .filter_map(|i| i.result)
            .collect()
    }

    /// The errors of the items that failed.
    pub fn errors(&self) -> Vec<&ErrorObject> {
        self.items
            .iter()
            .filter(|i| i.status == BatchItemStatus::Failed)
            .filter_map(|i| i.error.as_ref())
            .collect()
    }

    /// How many succeeded.
    pub fn success_count(&self) -> usize {
        self.count(BatchItemStatus::Succeeded)
    }

    /// How many failed.
    pub fn failure_count(&self) -> usize {
        self.count(BatchItemStatus::Failed)
    }

    /// How many had started but not ended.
    pub fn started_count(&self) -> usize {
        self.count(BatchItemStatus::Started)
    }

    /// How many started.
    pub fn total_count(&self) -> usize {
        self.items.len()
    }

    /// Whether an item failed.
    pub fn has_failure(&self) -> bool {
        self.failure_count() > 0
    }

    /// The first failed item's error, as a child context's failure
    /// ([`ErrorKind::ChildContext`]), or `Ok`.
    pub fn throw_if_error(&self) -> Result<(), DurableError> {
        match self.errors().first() {
            Some(error) => Err(DurableError::new(ErrorKind::ChildContext, (*error).clone())),
            None => Ok(()),
        }
    }

    fn count(&self, status: BatchItemStatus) -> usize {
        self.items.iter().filter(|i| i.status == status).count()
    }
}

/// When a batch completes. With no rule at all (`CompletionConfig::new()`, `map`'s default)
/// the first failure ends it; `parallel`'s default is [`all_successful`](Self::all_successful).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CompletionConfig {
    pub(crate) min_successful: Option<usize>,
    pub(crate) tolerated_failure_count: Option<usize>,
    pub(crate) tolerated_failure_percentage: Option<f64>,
}

impl CompletionConfig {
    /// No rule: every item, unless one fails.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every item must succeed: the first failure ends the batch.
    pub fn all_successful() -> Self {
        CompletionConfig {
            min_successful: None,
            tolerated_failure_count: Some(0),
            tolerated_failure_percentage: Some(0.0),
        }
    }

    /// Every item runs, whatever fails.
    pub fn all_completed() -> Self {
        CompletionConfig {
            min_successful: None,
            tolerated_failure_count: None,
            tolerated_failure_percentage: Some(100.0),
        }
    }

    /// The first success completes the batch.
    pub fn first_successful() -> Self {
        CompletionConfig {
            min_successful: Some(1),
            ..Self::default()
        }
    }

    /// The batch completes once `n` items succeeded.
    pub fn min_successful(mut self, n: usize) -> Self {
        self.min_successful = Some(n);
        self
    }

    /// The batch ends when more than `n` items failed.
    pub fn tolerated_failure_count(mut self, n: usize) -> Self {
        self.tolerated_failure_count = Some(n);
        self
    }

    /// The batch ends when more than `percent` % of the items failed.
    pub fn tolerated_failure_percentage(mut self, percent: f64) -> Self {
        self.tolerated_failure_percentage = Some(percent);
        self
    }

    /// Refuses rules that cannot be met with `total` items.
    pub(crate) fn validate(&self, total: usize) -> Result<(), DurableError> {
        let invalid = |m: String| Err(DurableError::message(ErrorKind::Validation, m));
        if let Some(min) = self.min_successful {
            if min < 1 {
                return invalid(format!("min_successful must be at least 1, got: {min}"));
            }
            if min > total {
                return invalid(format!(
                    "min_successful ({min}) exceeds the number of items ({total})"
                ));
            }
        }
        if let Some(p) = self.tolerated_failure_percentage {
            if !(0.0..=100.0).contains(&p) {
                return invalid(format!(
                    "tolerated_failure_percentage must be between 0 and 100, got: {p}"
                ));
            }
        }
        Ok(())
    }
}

/// A [`CompletionConfig`] applied to a batch of `total` items.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub(crate) total: usize,
    pub(crate) config: CompletionConfig,
}

impl Policy {
    fn has_criteria(&self) -> bool {
        let c = &self.config;
        c.min_successful.is_some()
            || c.tolerated_failure_count.is_some()
            || c.tolerated_failure_percentage.is_some()
    }

    pub(crate) fn tolerance_exceeded(&self, failed: usize) -> bool {
        if !self.has_criteria() {
            return failed > 0;
        }
        if self
            .config
            .tolerated_failure_count
            .is_some_and(|n| failed > n)
        {
            return true;
        }
        match self.config.tolerated_failure_percentage {
            Some(p) if self.total > 0 => (failed as f64 / self.total as f64) * 100.0 > p,
            _ => false,
        }
    }

    pub(crate) fn is_complete(&self, succeeded: usize, failed: usize) -> bool {
        succeeded + failed >= self.total
            || self.config.min_successful.is_some_and(|n| succeeded >= n)
    }

    pub(crate) fn reason(&self, succeeded: usize, failed: usize) -> CompletionReason {
        if self.tolerance_exceeded(failed) {
            CompletionReason::FailureToleranceExceeded
        } else if succeeded + failed >= self.total {
            CompletionReason::AllCompleted
        } else if self.config.min_successful.is_some_and(|n| succeeded >= n) {
            CompletionReason::MinSuccessfulReached
        } else {
            CompletionReason::AllCompleted
        }
    }
}

/// The record saved instead of a batch result over the checkpoint limit: the completion
/// decision, so a replay rebuilds the same result (AWS's SDKs' summary envelope).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CompletionRecord {
    #[serde(rename = "type", default)]
    pub(crate) result_type: String,
    #[serde(rename = "totalCount")]
    pub(crate) total_count: usize,
    #[serde(rename = "completionReason")]
    pub(crate) completion_reason: CompletionReason,
    #[serde(
        rename = "startedIndexes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) started_indexes: Option<Vec<usize>>,
    #[serde(
        rename = "completedIndexes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) completed_indexes: Option<Vec<usize>>,
    #[serde(rename = "startedCount", default)]
    pub(crate) started_count: usize,
    #[serde(rename = "successCount", default)]
    pub(crate) success_count: usize,
    #[serde(rename = "failureCount", default)]
    pub(crate) failure_count: usize,
    #[serde(default)]
    pub(crate) status: Option<BatchItemStatus>,
}

impl CompletionRecord {
    pub(crate) fn of<R>(result: &BatchResult<R>, result_type: &str) -> Self {
        let started: Vec<usize> = result
            .items
            .iter()
            .filter(|i| i.status == BatchItemStatus::Started)
            .map(|i| i.index)
            .collect();
        let completed: Vec<usize> = result
            .items
            .iter()
            .filter(|i| i.status != BatchItemStatus::Started)
            .map(|i| i.index)
            .collect();
        let (started_indexes, completed_indexes) = if started.len() <= completed.len() {
            (Some(started), None)
        } else {
            (None, Some(completed))
        };
        CompletionRecord {
            result_type: result_type.to_owned(),
            total_count: result.total_count(),
            completion_reason: result.completion_reason,
            started_indexes,
            completed_indexes,
            started_count: result.started_count(),
            success_count: result.success_count(),
            failure_count: result.failure_count(),
            status: Some(if result.has_failure() {
                BatchItemStatus::Failed
            } else {
                BatchItemStatus::Succeeded
            }),
        }
    }

    /// Whether item `index` was reported as started (not ended).
    pub(crate) fn was_started(&self, index: usize) -> bool {
        match (&self.started_indexes, &self.completed_indexes) {
            (Some(started), _) => started.contains(&index),
            (None, Some(completed)) => !completed.contains(&index),
            (None, None) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_follow_aws_rules() {
        let fail_fast = Policy {
            total: 3,
            config: CompletionConfig::new(),
        };
        assert!(fail_fast.tolerance_exceeded(1));
        let all = Policy {
            total: 3,
            config: CompletionConfig::all_completed(),
        };
        assert!(!all.tolerance_exceeded(3));
        assert_eq!(all.reason(1, 2), CompletionReason::AllCompleted);
        let first = Policy {
            total: 3,
            config: CompletionConfig::first_successful(),
        };
        assert!(first.is_complete(1, 0));
        assert_eq!(first.reason(1, 0), CompletionReason::MinSuccessfulReached);
        assert!(!first.tolerance_exceeded(2));
        let tolerant = Policy {
            total: 4,
            config: CompletionConfig::new().tolerated_failure_percentage(50.0),
        };
        assert!(!tolerant.tolerance_exceeded(2));
        assert!(tolerant.tolerance_exceeded(3));
        assert!(
            CompletionConfig::new()
                .min_successful(4)
                .validate(3)
                .is_err()
        );
    }

    #[test]
    fn a_batch_result_is_serialized_as_aws_sdks_do() {
        let result = BatchResult {
            items: vec![
                BatchItem {
                    index: 0,
                    status: BatchItemStatus::Succeeded,
                    result: Some(2),
                    error: None,
                },
                BatchItem {
                    index: 1,
                    status: BatchItemStatus::Failed,
                    result: None,
                    error: Some(ErrorObject::new("ValueError", "odd")),
                },
            ],
            completion_reason: CompletionReason::AllCompleted,
        };
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"all": [
                {"index": 0, "status": "SUCCEEDED", "result": 2, "error": null},
                {"index": 1, "status": "FAILED", "result": null,
                 "error": {"ErrorMessage": "odd", "ErrorType": "ValueError"}}],
              "completionReason": "ALL_COMPLETED"})
        );
        let back: BatchResult<i32> = serde_json::from_value(json).unwrap();
        assert_eq!(back, result);
        assert_eq!(back.results(), vec![&2]);
        assert_eq!(
            back.throw_if_error().unwrap_err().kind(),
            ErrorKind::ChildContext
        );
        let record = CompletionRecord::of(&back, "MapResult");
        assert_eq!(record.started_indexes, Some(vec![]));
        assert!(!record.was_started(0));
    }
}
