//! The answers of the durable execution API that the wire shapes of `ruchy-lambda-durable` do
//! not have: an execution's summary and description, the pages of history and of executions,
//! the answer of a stop. Field names are the service model's; timestamps are seconds since the
//! epoch, with a fraction, as restJson has them.

use ruchy_lambda_durable::model::ErrorObject;
use serde::Serialize;
use serde_json::Value;

use super::store::Execution;

/// `Execution`: an execution as `ListDurableExecutionsByFunction` lists it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ExecutionSummary<'a> {
    durable_execution_arn: &'a str,
    durable_execution_name: &'a str,
    function_arn: &'a str,
    status: &'static str,
    start_timestamp: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_timestamp: Option<f64>,
}

impl<'a> ExecutionSummary<'a> {
    pub(super) fn of(execution: &'a Execution) -> Self {
        ExecutionSummary {
            durable_execution_arn: &execution.arn,
            durable_execution_name: &execution.name,
            function_arn: &execution.function_arn,
            status: execution.status.as_str(),
            start_timestamp: execution.start,
            end_timestamp: execution.end,
        }
    }
}

/// `DurableConfig` of a described execution.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct DurableConfig {
    execution_timeout: u32,
    retention_period_in_days: u32,
}

/// `GetDurableExecution`'s answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ExecutionDescription<'a> {
    #[serde(flatten)]
    summary: ExecutionSummary<'a>,
    /// With `IncludeExecutionData` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    input_payload: Option<&'a str>,
    /// With `IncludeExecutionData` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ErrorObject>,
    version: &'static str,
    durable_config: DurableConfig,
    expected_execution_timeout_timestamp: f64,
    execution_data_included: bool,
}

impl<'a> ExecutionDescription<'a> {
    /// `execution` described, with its input and result when `include_data`.
    pub(super) fn of(execution: &'a Execution, include_data: bool) -> Self {
        let timeout = execution.config.execution_timeout_seconds;
        ExecutionDescription {
            summary: ExecutionSummary::of(execution),
            input_payload: include_data.then_some(execution.input.as_str()),
            result: execution.result.as_deref().filter(|_| include_data),
            error: execution.error.as_ref(),
            version: ruchy_lambda_local::report::VERSION,
            durable_config: DurableConfig {
                execution_timeout: timeout,
                retention_period_in_days: execution.config.retention_days,
            },
            expected_execution_timeout_timestamp: execution.start + f64::from(timeout),
            execution_data_included: include_data,
        }
    }
}

/// `GetDurableExecutionHistory`'s answer: a page of events.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct HistoryPage<'a> {
    pub(super) events: &'a [Value],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) next_marker: Option<String>,
}

/// `ListDurableExecutionsByFunction`'s answer: a page of executions.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ExecutionsPage<'a> {
    pub(super) durable_executions: &'a [ExecutionSummary<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) next_marker: Option<String>,
}

/// `StopDurableExecution`'s answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Stopped {
    pub(super) stop_timestamp: f64,
}

/// The empty answer of the callback operations.
#[derive(Debug, Serialize)]
pub(super) struct Empty {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use super::super::super::super::args::DurableArgs;
    use super::super::store::{NewExecution, Store};

    #[test]
    fn a_description_has_the_models_fields() {
        let mut store = Store::default();
        let arn = store.start(NewExecution {
            name: Some("run".into()),
            id: Some("e1".into()),
            function: "orders",
            function_arn: "arn:aws:lambda:us-east-1:123456789012:function:orders",
            input: "{}".into(),
            config: DurableArgs {
                execution_timeout_seconds: 60,
                retention_days: 3,
            },
        });
        let execution = store.get(&arn).unwrap();
        let start = execution.start;
        let described = serde_json::to_value(ExecutionDescription::of(execution, true)).unwrap();
        assert_eq!(
            described,
            json!({
                "DurableExecutionArn": arn,
                "DurableExecutionName": "run",
                "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST",
                "Status": "RUNNING",
                "StartTimestamp": start,
                "InputPayload": "{}",
                "Version": "$LATEST",
                "DurableConfig": {"ExecutionTimeout": 60, "RetentionPeriodInDays": 3},
                "ExpectedExecutionTimeoutTimestamp": start + 60.0,
                "ExecutionDataIncluded": true
            })
        );
        let without = serde_json::to_value(ExecutionDescription::of(execution, false)).unwrap();
        assert!(without.get("InputPayload").is_none());
        assert_eq!(without["ExecutionDataIncluded"], false);
    }
}
