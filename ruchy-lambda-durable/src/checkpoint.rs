//! Lambda's durable execution API, as a durable function calls it: `CheckpointDurableExecution`
//! and `GetDurableExecutionState`, blocking, on [`ruchy_lambda_aws`]'s client (signed as service
//! `lambda`, sent to `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL` or AWS's endpoint, retried in
//! AWS's standard mode).
//!
//! ```no_run
//! # fn main() -> Result<(), ruchy_lambda_durable::Error> {
//! use ruchy_lambda_durable::checkpoint::Checkpoints;
//! use ruchy_lambda_durable::ids::IdNamespace;
//! use ruchy_lambda_durable::model::*;
//!
//! # let event = r#"{"DurableExecutionArn":"a","CheckpointToken":"t"}"#;
//! let input: InvocationInput = serde_json::from_str(event)?;
//! let api = Checkpoints::new(&ruchy_lambda_aws::Client::from_env()?);
//! // Every operation of the execution, the event's first page and the pages after it.
//! let operations = api.all_operations(
//!     &input.durable_execution_arn,
//!     &input.checkpoint_token,
//!     input.initial_execution_state.clone(),
//! )?;
//! let mut succeed = OperationUpdate::new(
//!     IdNamespace::root().id(1),
//!     OperationType::Step,
//!     OperationAction::Succeed,
//! );
//! succeed.payload = Some("\"Hello, Ada!\"".into());
//! let answer = api.checkpoint(&input.durable_execution_arn, &input.checkpoint_token, &[succeed])?;
//! let next_token = answer.checkpoint_token; // for the next checkpoint
//! # Ok(()) }
//! ```

use ruchy_lambda_aws::lambda::encode_label;
use ruchy_lambda_aws::{Client, Lambda};

use crate::Error;
use crate::model::{
    CheckpointRequest, CheckpointResponse, ExecutionState, Operation, OperationUpdate,
};

/// The path prefix of the durable execution API.
const DURABLE_EXECUTIONS: &str = "/2025-12-01/durable-executions";

/// The page size the SDKs ask `GetDurableExecutionState` for, and its maximum.
pub const MAX_ITEMS: u32 = 1000;

/// Calls the durable execution API of one client.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    lambda: Lambda,
}

impl Checkpoints {
    /// The API through `client`'s Lambda endpoint.
    pub fn new(client: &Client) -> Self {
        Checkpoints {
            lambda: client.lambda(),
        }
    }

    /// The API through `lambda`.
    pub fn from_lambda(lambda: Lambda) -> Self {
        Checkpoints { lambda }
    }

    /// Saves `updates` with `checkpoint_token` (used once): the answer carries the token of the
    /// next checkpoint (none when this one ended the execution) and the operations that
    /// changed.
    ///
    /// `POST /2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint`
    pub fn checkpoint(
        &self,
        arn: &str,
        checkpoint_token: &str,
        updates: &[OperationUpdate],
    ) -> Result<CheckpointResponse, Error> {
        self.checkpoint_request(
            arn,
            &CheckpointRequest::new(checkpoint_token, updates.to_vec()),
        )
    }

    /// [`checkpoint`](Self::checkpoint) with the whole request (its `ClientToken`, for one).
    pub fn checkpoint_request(
        &self,
        arn: &str,
        request: &CheckpointRequest,
    ) -> Result<CheckpointResponse, Error> {
        check_arn(arn)?;
        check_token(&request.checkpoint_token)?;
        if let Some(token) = &request.client_token {
            if token.is_empty()
                || token.len() > 64
                || !token.bytes().all(|b| (0x21..=0x7e).contains(&b))
            {
                return Err(Error::invalid(format!(
                    "the client token {token:?} is not 1 to 64 printable characters"
                )));
            }
        }
        let body = serde_json::to_value(request)?;
        let path = format!("{DURABLE_EXECUTIONS}/{}/checkpoint", encode_label(arn));
        Ok(self.lambda.call_json("POST", &path, &[], Some(&body))?)
    }

    /// One page of the execution's operations, from `marker` (`None`: the first), at most
    /// `max_items` (1 to [`MAX_ITEMS`]).
    ///
    /// `GET /2025-12-01/durable-executions/{DurableExecutionArn}/state?CheckpointToken=…&Marker=…&MaxItems=…`
    pub fn state(
        &self,
        arn: &str,
        checkpoint_token: &str,
        marker: Option<&str>,
        max_items: u32,
    ) -> Result<ExecutionState, Error> {
        check_arn(arn)?;
        check_token(checkpoint_token)?;
        if !(1..=MAX_ITEMS).contains(&max_items) {
            return Err(Error::invalid(format!(
                "max_items {max_items} is not between 1 and {MAX_ITEMS}"
            )));
        }
        let max_items = max_items.to_string();
        let mut query = vec![("CheckpointToken", checkpoint_token)];
        if let Some(marker) = marker {
            query.push(("Marker", marker));
        }
        query.push(("MaxItems", &max_items));
        let path = format!("{DURABLE_EXECUTIONS}/{}/state", encode_label(arn));
        Ok(self.lambda.call_json("GET", &path, &query, None)?)
    }

    /// Every operation of the execution: `first`'s (the event's `InitialExecutionState`, or a
    /// checkpoint's `NewExecutionState`), then the pages after it, fetched [`MAX_ITEMS`] at a
    /// time until one has no `NextMarker`. A marker answered twice is an error, not a loop.
    pub fn all_operations(
        &self,
        arn: &str,
        checkpoint_token: &str,
        first: ExecutionState,
    ) -> Result<Vec<Operation>, Error> {
        let mut operations = first.operations;
        let mut marker = first.next_marker.filter(|m| !m.is_empty());
        let mut seen = std::collections::HashSet::new();
        while let Some(current) = marker {
            if !seen.insert(current.clone()) {
                return Err(Error::invalid(format!(
                    "GetDurableExecutionState answered the marker {current:?} twice"
                )));
            }
            let page = self.state(arn, checkpoint_token, Some(&current), MAX_ITEMS)?;
            operations.extend(page.operations);
            marker = page.next_marker.filter(|m| !m.is_empty());
        }
        Ok(operations)
    }
}

fn check_arn(arn: &str) -> Result<(), Error> {
    if arn.is_empty() || arn.len() > 1024 {
        return Err(Error::invalid(format!(
            "the durable execution ARN {arn:?} is not 1 to 1024 characters"
        )));
    }
    Ok(())
}

fn check_token(token: &str) -> Result<(), Error> {
    if token.is_empty() {
        return Err(Error::invalid("there is no checkpoint token"));
    }
    Ok(())
}
