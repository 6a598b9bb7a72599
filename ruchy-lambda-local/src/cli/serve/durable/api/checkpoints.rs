//! The calls a durable function makes: `CheckpointDurableExecution` and
//! `GetDurableExecutionState`.

use std::sync::Arc;

use ruchy_lambda_durable::model::{CheckpointRequest, CheckpointResponse, ExecutionState};

use super::super::super::Served;
use super::super::super::connection::Reply;
use super::super::checkpoint::{self, ChainedStart};
use super::super::driver;
use super::super::store::ExecutionStatus;
use super::{Query, STATE_PAGE, check_arn, invalid, ok, paged};

pub(super) fn checkpoint(served: &Arc<Served>, arn: &str, body: &[u8]) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let request: CheckpointRequest = serde_json::from_slice(body)
        .map_err(|e| invalid(&format!("the checkpoint's body: {e}")))?;
    let resolve = |name: &str| -> Result<(usize, bool, String), String> {
        let function = served.find(name, None)?;
        let index = served
            .functions
            .iter()
            .position(|g| g.name == function.name)
            .unwrap_or_default();
        Ok((
            index,
            function.durable.is_some(),
            format!("{}{}", served.arn_prefix, function.name),
        ))
    };
    let (answer, saved) = {
        let mut store = served.durable.lock();
        let Some(current) = store.get(arn) else {
            return Err(invalid(&format!("Invalid durable execution ARN: {arn}")));
        };
        // The same checkpoint sent again (a retry after a lost answer) gets the same answer.
        if let (Some((token, client, answer)), Some(client_token)) =
            (&current.last_checkpoint, &request.client_token)
            && *token == request.checkpoint_token
            && client == client_token
        {
            return Ok(ok(answer));
        }
        if !current.invoking
            || current.status != ExecutionStatus::Running
            || current.token.as_deref() != Some(request.checkpoint_token.as_str())
        {
            return Err(invalid("Invalid checkpoint token"));
        }
        let mut execution = current.clone();
        let saved = checkpoint::apply(&mut execution, &request.updates, &resolve)
            .map_err(|e| invalid(&e))?;
        let changed: Vec<_> = std::mem::take(&mut execution.changed)
            .iter()
            .filter_map(|id| execution.operation(id).cloned())
            .collect();
        let mut answer = CheckpointResponse::default();
        answer.new_execution_state = ExecutionState::new(changed, None);
        if execution.status == ExecutionStatus::Running {
            answer.checkpoint_token = Some(execution.next_token());
        }
        if let Some(client_token) = &request.client_token {
            execution.last_checkpoint = Some((
                request.checkpoint_token.clone(),
                client_token.clone(),
                answer.clone(),
            ));
        }
        store.put(execution);
        for (callback_id, op_id) in &saved.callbacks {
            store
                .callbacks
                .insert(callback_id.clone(), (arn.to_owned(), op_id.clone()));
        }
        (answer, saved)
    };
    start_invokes(served, arn, saved.chained);
    served.durable.notify();
    Ok(ok(&answer))
}

/// The invokes a checkpoint started: a durable target's execution created and driven, then
/// each invoke run.
fn start_invokes(served: &Arc<Served>, arn: &str, chained: Vec<ChainedStart>) {
    for start in chained {
        if let Some(child) = driver::create_child(served, &start) {
            driver::spawn(served, child);
        }
        driver::start_chained(served, arn, start);
    }
}

pub(super) fn state(served: &Served, arn: &str, query: &Query) -> Result<Reply, Reply> {
    check_arn(arn)?;
    let token = query
        .get("CheckpointToken")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("CheckpointToken is required"))?;
    let store = served.durable.lock();
    let execution = store
        .get(arn)
        .ok_or_else(|| invalid(&format!("Invalid durable execution ARN: {arn}")))?;
    if !execution.invoking || !execution.invocation_tokens.iter().any(|t| t == token) {
        return Err(invalid("Invalid checkpoint token"));
    }
    let (page, next) = paged(&execution.operations, query, STATE_PAGE)?;
    Ok(ok(&ExecutionState::new(page.to_vec(), next)))
}
