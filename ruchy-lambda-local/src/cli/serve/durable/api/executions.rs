//! What a client asks about an execution: `GetDurableExecution`, `GetDurableExecutionHistory`
//! and `StopDurableExecution`.

use ruchy_lambda_durable::model::ErrorObject;
use serde_json::Value;

use super::super::super::Served;
use super::super::super::connection::Reply;
use super::super::shapes::{ExecutionDescription, HistoryPage, Stopped};
use super::super::store::{ExecutionStatus, now};
use super::{MAX_ITEMS, Query, check_arn, error_body, no_execution, ok, paged};

pub(super) fn get_execution(served: &Served, arn: &str, query: &Query) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let include = query.flag("IncludeExecutionData", true)?;
    let store = served.durable.lock();
    let execution = store.get(arn).ok_or_else(|| no_execution(arn))?;
    Ok(ok(&ExecutionDescription::of(execution, include)))
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
    let (page, next) = paged(&numbered, query, MAX_ITEMS)?;
    Ok(ok(&HistoryPage {
        events: page,
        next_marker: next,
    }))
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
    Ok(ok(&Stopped {
        stop_timestamp: stopped,
    }))
}
