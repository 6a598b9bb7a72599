// Keeps a durable handler as written: a unit test calls it through `durable::run`, with a
// `DurableApi` of its own standing for Lambda's durable execution API.
use std::sync::{Arc, Mutex};

use ruchy_lambda::durable::model::{
    CheckpointResponse, ExecutionState, InvocationInput, InvocationStatus, OperationUpdate,
};
use ruchy_lambda::durable::{DurableApi, DurableContext, DurableError, Error};

mod lambda {
    use super::*;

    #[ruchy_lambda::handler]
    pub fn handle(name: String, ctx: &DurableContext) -> Result<String, DurableError> {
        ctx.step("greet", |_| Ok::<_, DurableError>(format!("Hello, {name}!")))
    }
}

/// Saves nothing; answers every checkpoint with the next token and records the updates.
#[derive(Default)]
struct Recorder(Mutex<Vec<OperationUpdate>>);

impl DurableApi for Recorder {
    fn checkpoint(
        &self,
        _arn: &str,
        _token: &str,
        updates: &[OperationUpdate],
    ) -> Result<CheckpointResponse, Error> {
        self.0.lock().unwrap().extend_from_slice(updates);
        Ok(serde_json::from_str(r#"{"CheckpointToken": "next"}"#)?)
    }

    fn state(&self, _arn: &str, _token: &str, _marker: Option<&str>) -> Result<ExecutionState, Error> {
        Ok(ExecutionState::default())
    }
}

fn main() {
    let event: InvocationInput = serde_json::from_str(
        r#"{"DurableExecutionArn": "arn:test", "CheckpointToken": "first",
            "InitialExecutionState": {"Operations": [{"Id": "run", "Type": "EXECUTION",
              "Status": "STARTED", "ExecutionDetails": {"InputPayload": "\"Ada\""}}]}}"#,
    )
    .unwrap();
    let api = Arc::new(Recorder::default());
    let output = ruchy_lambda::durable::run(event, api.clone(), lambda::handle).unwrap();
    assert_eq!(output.status, InvocationStatus::Succeeded);
    assert_eq!(output.result.as_deref(), Some("\"Hello, Ada!\""));
    let updates = api.0.lock().unwrap();
    assert_eq!(updates.last().and_then(|u| u.payload.as_deref()), Some("\"Hello, Ada!\""));
}
