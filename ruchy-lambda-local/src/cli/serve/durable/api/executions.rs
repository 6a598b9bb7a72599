//! What a client asks about an execution: `GetDurableExecution`, `GetDurableExecutionHistory`
//! and `StopDurableExecution`.

use ruchy_lambda_durable::model::ErrorObject;
use serde_json::{Value, json};

use super::super::super::Served;
use super::super::super::connection::Reply;
use super::super::store::{Execution, ExecutionStatus, now};
use super::{Query, check_arn, error_body, no_execution, ok, paged};

pub(super) fn execution_summary(execution: &Execution) -> Value {
    let mut summary = json!({
        "DurableExecutionArn": execution.arn,
        "DurableExecutionName": execution.name,
        "FunctionArn": execution.function_arn,
        "Status": execution.status.as_str(),
        "StartTimestamp": execution.start,
    });
    if let Some(end) = execution.end {
        summary["EndTimestamp"] = json!(end);
    }
    summary
}

pub(super) fn get_execution(served: &Served, arn: &str, query: &Query) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let include = query.flag("IncludeExecutionData", true)?;
    let store = served.durable.lock();
    let execution = store.get(arn).ok_or_else(|| no_execution(arn))?;
    let mut answer = execution_summary(execution);
    answer["Version"] = json!(ruchy_lambda_local::report::VERSION);
    answer["DurableConfig"] = json!({
        "ExecutionTimeout": execution.config.execution_timeout_seconds,
        "RetentionPeriodInDays": execution.config.retention_days,
    });
    answer["ExpectedExecutionTimeoutTimestamp"] =
        json!(execution.start + f64::from(execution.config.execution_timeout_seconds));
    answer["ExecutionDataIncluded"] = json!(include);
    if include {
        answer["InputPayload"] = json!(execution.input);
        if let Some(result) = &execution.result {
            answer["Result"] = json!(result);
        }
    }
    if let Some(error) = &execution.error {
        answer["Error"] = json!(error);
    }
    Ok(ok(answer))
}

pub(super) fn history(served: &Served, arn: &str, query: &Query) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let include = query.flag("IncludeExecutionData", false)?;
    let reverse = query.flag("ReverseOrder", false)?;
    let store = served.durable.lock();
    let execution = store.get(arn).ok_or_else(|| no_execution(arn))?;
    let mut numbered: Vec<Value> = execution
        .history
        .iter()
        .enumerate()
        .map(|(i, event)| event.to_json(i + 1, include))
        .collect();
    if reverse {
        numbered.reverse();
    }
    let (page, next) = paged(&numbered, query)?;
    let mut answer = json!({"Events": page});
    if let Some(next) = next {
        answer["NextMarker"] = json!(next);
    }
    Ok(ok(answer))
}

pub(super) fn stop(served: &Served, arn: &str, body: &[u8]) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let error = error_body(body)?;
    let mut store = served.durable.lock();
    let execution = store.get_mut(arn).ok_or_else(|| no_execution(arn))?;
    // Stopping an execution that has ended answers when it ended.
    if execution.status == ExecutionStatus::Running {
        let error = error.unwrap_or_else(|| {
            let mut error = ErrorObject::default();
            error.error_message = Some("Execution stopped by user request".to_owned());
            error
        });
        execution.finish(ExecutionStatus::Stopped, None, Some(error));
    }
    let stopped = execution.end.unwrap_or_else(now);
    drop(store);
    served.durable.notify();
    Ok(ok(json!({"StopTimestamp": stopped})))
}
