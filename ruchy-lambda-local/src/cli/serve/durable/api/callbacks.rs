//! `SendDurableExecutionCallbackSuccess`, `…Failure` and `…Heartbeat`: a callback answered,
//! failed, or kept alive, by its id.

use ruchy_lambda_durable::model::{OperationStatus, Timestamp};

use super::super::super::Served;
use super::super::super::connection::Reply;
use super::super::history::{self, Ending};
use super::super::shapes::Empty;
use super::super::store::{ExecutionStatus, now};
use super::{error_body, invalid, not_found, ok};

/// The largest result of `SendDurableExecutionCallbackSuccess` (1 MiB).
const MAX_RESULT: usize = 1024 * 1024;

/// Lambda's pattern of a callback id (base64).
fn is_callback_id(id: &str) -> bool {
    let body = id.trim_end_matches('=');
    !body.is_empty()
        && id.len() <= 1024
        && id.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

pub(super) fn callback(
    served: &Served,
    id: &str,
    action: &str,
    body: Vec<u8>,
) -> Result<Reply, Reply> {
    if !is_callback_id(id) {
        return Err(invalid(&format!(
            "1 validation error detected: Value '{id}' at 'callbackId' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [A-Za-z0-9+/]+={{0,2}}"
        )));
    }
    let (result, error) = match action {
        "succeed" => {
            if body.len() > MAX_RESULT {
                return Err(invalid(&format!(
                    "the callback's result is {} bytes, over the {MAX_RESULT} Lambda takes",
                    body.len()
                )));
            }
            let result = String::from_utf8(body)
                .map_err(|_| invalid("the callback's result must be UTF-8 text"))?;
            (Some(result), None)
        }
        "fail" => (None, Some(error_body(&body)?.unwrap_or_default())),
        _ => (None, None),
    };
    let mut store = served.durable.lock();
    let (arn, op_id) = store
        .callbacks
        .get(id)
        .cloned()
        .ok_or_else(|| not_found(&format!("Callback not found: {id}")))?;
    let execution = store
        .get_mut(&arn)
        .ok_or_else(|| not_found(&format!("Callback not found: {id}")))?;
    let op = execution
        .operation(&op_id)
        .cloned()
        .ok_or_else(|| not_found(&format!("Callback not found: {id}")))?;
    match op.status {
        OperationStatus::Started if execution.status == ExecutionStatus::Running => {}
        OperationStatus::TimedOut => {
            return Err(Reply::aws_error(
                400,
                "CallbackTimeoutException",
                &format!("Callback timed out: {id}"),
            ));
        }
        _ if execution.status != ExecutionStatus::Running => {
            return Err(invalid(&format!(
                "the callback's durable execution has ended ({}): {arn}",
                execution.status.as_str()
            )));
        }
        status => {
            return Err(invalid(&format!(
                "the callback has already completed ({status:?}): {id}"
            )));
        }
    }
    if action == "heartbeat" {
        if let Some(timers) = execution.callbacks.get_mut(&op_id)
            && timers.heartbeat_seconds > 0
        {
            timers.heartbeat_at = Some(now() + f64::from(timers.heartbeat_seconds));
        }
        drop(store);
        served.durable.notify();
        return Ok(ok(&Empty {}));
    }
    let at = now();
    let mut op = op;
    let ending = if error.is_some() {
        Ending::Failed
    } else {
        Ending::Succeeded
    };
    op.status = match ending {
        Ending::Succeeded => OperationStatus::Succeeded,
        _ => OperationStatus::Failed,
    };
    op.end_timestamp = Some(Timestamp(at));
    let mut details = op.callback_details.clone().unwrap_or_default();
    details.result = result.clone();
    details.error = error.clone();
    op.callback_details = Some(details);
    let event = history::callback_ended(&op, ending, result.as_deref(), error.as_ref(), at);
    execution.record(event);
    execution.callbacks.remove(&op_id);
    execution.save_update(op);
    drop(store);
    served.durable.notify();
    Ok(ok(&Empty {}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_ids_are_base64() {
        assert!(is_callback_id("YWJj+/=="));
        assert!(!is_callback_id(""));
        assert!(!is_callback_id("a b"));
        assert!(!is_callback_id("abc==="));
    }
}
