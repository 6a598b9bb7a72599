//! What the backend keeps: every durable execution (its operations, its history, its tokens and
//! timers), found by ARN, by name and by callback id.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use ruchy_lambda_durable::model::{
    CheckpointResponse, ErrorObject, ExecutionDetails, Operation, OperationStatus, OperationType,
    Timestamp,
};
use ruchy_lambda_local::request_id;
use ruchy_lambda_local::stream::base64_encode;

use super::super::super::args::DurableArgs;
use super::history::{self, Event};

/// Seconds since the Unix epoch, with a fraction: the restJson API's timestamps.
pub(super) fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

/// A new operation of `id`, `kind` and `status`, its other fields to fill in.
pub(super) fn operation(id: &str, kind: OperationType, status: OperationStatus) -> Operation {
    let shape = serde_json::json!({"Id": id, "Type": kind, "Status": status});
    serde_json::from_value(shape).expect("an operation's id, type and status make an operation")
}

/// The ARN of the execution `name` (`id`) of the function `function_arn` (unqualified): it
/// runs `$LATEST`.
pub(super) fn execution_arn(function_arn: &str, name: &str, id: &str) -> String {
    format!(
        "{function_arn}:{}/durable-execution/{name}/{id}",
        ruchy_lambda_local::report::VERSION
    )
}

/// Seconds in a day, for `RetentionPeriodInDays`.
const DAY: f64 = 86_400.0;

/// `ExecutionStatus` of the service model (those a local execution takes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Stopped,
}

impl ExecutionStatus {
    pub(super) const ALL: [ExecutionStatus; 5] = [
        ExecutionStatus::Running,
        ExecutionStatus::Succeeded,
        ExecutionStatus::Failed,
        ExecutionStatus::TimedOut,
        ExecutionStatus::Stopped,
    ];

    pub(super) fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Stopped => "STOPPED",
        }
    }

    /// The status of the `EXECUTION` operation once the execution ended so.
    fn operation_status(self) -> OperationStatus {
        match self {
            ExecutionStatus::Running => OperationStatus::Started,
            ExecutionStatus::Succeeded => OperationStatus::Succeeded,
            ExecutionStatus::Failed => OperationStatus::Failed,
            ExecutionStatus::TimedOut => OperationStatus::TimedOut,
            ExecutionStatus::Stopped => OperationStatus::Stopped,
        }
    }
}

/// A callback's deadlines (`CallbackOptions`), in seconds since the epoch.
#[derive(Debug, Clone, Copy)]
pub(super) struct CallbackTimers {
    /// `TimeoutSeconds` after its start; none for 0.
    pub(super) timeout_at: Option<f64>,
    /// `HeartbeatTimeoutSeconds`: 0 for none.
    pub(super) heartbeat_seconds: u32,
    /// The last heartbeat (or the start) plus `heartbeat_seconds`.
    pub(super) heartbeat_at: Option<f64>,
}

/// One durable execution.
#[derive(Clone)]
pub(super) struct Execution {
    pub(super) arn: String,
    pub(super) name: String,
    /// The served function it runs (its `AWS_LAMBDA_FUNCTION_NAME`).
    pub(super) function: String,
    /// The function's ARN, qualified with `$LATEST`.
    pub(super) function_arn: String,
    pub(super) input: String,
    pub(super) config: DurableArgs,
    pub(super) status: ExecutionStatus,
    pub(super) start: f64,
    pub(super) end: Option<f64>,
    pub(super) result: Option<String>,
    pub(super) error: Option<ErrorObject>,
    /// In the order they were first saved; the `EXECUTION` operation first.
    pub(super) operations: Vec<Operation>,
    index: HashMap<String, usize>,
    /// Its history, in the order the events happened.
    pub(super) history: Vec<Event>,
    /// The checkpoint token the next checkpoint must bring; none between invocations.
    pub(super) token: Option<String>,
    /// The tokens handed out during the running invocation (state reads accept any of them).
    pub(super) invocation_tokens: Vec<String>,
    tokens_made: u64,
    /// An invocation is running.
    pub(super) invoking: bool,
    /// Invocations that failed in a row (the function's error, a timeout, a crash, a `PENDING`
    /// with nothing pending).
    pub(super) failed_invocations: u32,
    /// Operations that changed outside an invocation of the function (a wait ended, a callback
    /// answered, an invoke completed): the next invocation's `UpdatedOperationIds`, and why it
    /// is due.
    pub(super) updated: Vec<String>,
    /// Operations changed since the last checkpoint's answer: the next answer's
    /// `NewExecutionState`.
    pub(super) changed: Vec<String>,
    /// The callbacks started and not yet ended, by operation id.
    pub(super) callbacks: HashMap<String, CallbackTimers>,
    /// The last checkpoint that came with a `ClientToken`: its checkpoint token, its client
    /// token and its answer, given again to the same checkpoint sent again.
    pub(super) last_checkpoint: Option<(String, String, CheckpointResponse)>,
}

impl Execution {
    /// The operation `id`.
    pub(super) fn operation(&self, id: &str) -> Option<&Operation> {
        self.index.get(id).map(|&i| &self.operations[i])
    }

    /// Saves `operation`, over the one of its id if there is one, and notes it changed.
    pub(super) fn save(&mut self, operation: Operation) {
        let id = operation.id.clone();
        match self.index.get(&id) {
            Some(&i) => self.operations[i] = operation,
            None => {
                self.index.insert(id.clone(), self.operations.len());
                self.operations.push(operation);
            }
        }
        if !self.changed.contains(&id) {
            self.changed.push(id);
        }
    }

    /// Saves `operation`, changed outside an invocation: the function is invoked again for it.
    pub(super) fn save_update(&mut self, operation: Operation) {
        let id = operation.id.clone();
        self.save(operation);
        if !self.updated.contains(&id) {
            self.updated.push(id);
        }
    }

    /// A fresh checkpoint token, which becomes the one the next checkpoint must bring.
    pub(super) fn next_token(&mut self) -> String {
        self.tokens_made += 1;
        let token =
            base64_encode(format!("{}:{}:{}", self.arn, self.tokens_made, request_id()).as_bytes());
        self.token = Some(token.clone());
        self.invocation_tokens.push(token.clone());
        token
    }

    /// Appends a history event.
    pub(super) fn record(&mut self, event: Event) {
        self.history.push(event);
    }

    /// Ends the execution: its status, result or error, the `EXECUTION` operation closed, the
    /// history's last event. Ending one already ended does nothing.
    pub(super) fn finish(
        &mut self,
        status: ExecutionStatus,
        result: Option<String>,
        error: Option<ErrorObject>,
    ) {
        if self.status != ExecutionStatus::Running {
            return;
        }
        let at = now();
        self.status = status;
        self.end = Some(at);
        self.result = result;
        self.error = error;
        self.token = None;
        self.callbacks.clear();
        if let Some(mut op) = self.operations.first().cloned() {
            op.status = status.operation_status();
            op.end_timestamp = Some(Timestamp(at));
            self.save(op);
        }
        let event = history::execution_ended(self, at);
        self.record(event);
    }

    /// Whether anything may still wake a suspended execution: a wait, a retry, a callback or an
    /// invoke not ended, or an update not yet seen.
    pub(super) fn has_pending_work(&self) -> bool {
        !self.updated.is_empty()
            || self.operations.iter().any(|op| match op.kind {
                OperationType::Wait | OperationType::Callback | OperationType::ChainedInvoke => {
                    op.status == OperationStatus::Started
                }
                OperationType::Step => {
                    matches!(op.status, OperationStatus::Pending | OperationStatus::Ready)
                }
                _ => false,
            })
    }
}

/// Every execution, and the ways to find one.
#[derive(Default)]
pub(super) struct Store {
    executions: HashMap<String, Execution>,
    /// ARNs in the order the executions started.
    order: Vec<String>,
    /// A callback's id → its execution's ARN and its operation id.
    pub(super) callbacks: HashMap<String, (String, String)>,
}

/// What a new execution is.
pub(super) struct NewExecution<'a> {
    /// `X-Amz-Durable-Execution-Name`, or a fresh one.
    pub(super) name: Option<String>,
    /// The id in its ARN, or a fresh one.
    pub(super) id: Option<String>,
    pub(super) function: &'a str,
    /// The function's ARN without a qualifier.
    pub(super) function_arn: &'a str,
    pub(super) input: String,
    pub(super) config: DurableArgs,
}

impl Store {
    pub(super) fn get(&self, arn: &str) -> Option<&Execution> {
        self.executions.get(arn)
    }

    pub(super) fn get_mut(&mut self, arn: &str) -> Option<&mut Execution> {
        self.executions.get_mut(arn)
    }

    /// Saves `execution` over the one of its ARN.
    pub(super) fn put(&mut self, execution: Execution) {
        self.executions.insert(execution.arn.clone(), execution);
    }

    /// The executions of `function`, in the order they started.
    pub(super) fn of_function<'a>(
        &'a self,
        function: &str,
    ) -> impl Iterator<Item = &'a Execution> + use<'a> {
        let function = function.to_owned();
        self.order
            .iter()
            .filter_map(|arn| self.executions.get(arn))
            .filter(move |e| e.function == function)
    }

    /// The execution of `function` named `name`.
    pub(super) fn named(&self, function: &str, name: &str) -> Option<&Execution> {
        self.of_function(function).find(|e| e.name == name)
    }

    /// Starts an execution (its `EXECUTION` operation and `ExecutionStarted`); its ARN.
    pub(super) fn start(&mut self, new: NewExecution<'_>) -> String {
        self.forget_expired();
        let id = new.id.unwrap_or_else(request_id);
        let name = new.name.unwrap_or_else(request_id);
        let arn = execution_arn(new.function_arn, &name, &id);
        let function_arn = format!(
            "{}:{}",
            new.function_arn,
            ruchy_lambda_local::report::VERSION
        );
        let start = now();
        let mut operation = operation(&id, OperationType::Execution, OperationStatus::Started);
        operation.start_timestamp = Some(Timestamp(start));
        operation.execution_details = Some(ExecutionDetails::default());
        if let Some(details) = operation.execution_details.as_mut() {
            details.input_payload = Some(new.input.clone());
        }
        let mut execution = Execution {
            arn: arn.clone(),
            name,
            function: new.function.to_owned(),
            function_arn,
            input: new.input,
            config: new.config,
            status: ExecutionStatus::Running,
            start,
            end: None,
            result: None,
            error: None,
            operations: Vec::new(),
            index: HashMap::new(),
            history: Vec::new(),
            token: None,
            invocation_tokens: Vec::new(),
            tokens_made: 0,
            invoking: false,
            failed_invocations: 0,
            updated: Vec::new(),
            changed: Vec::new(),
            callbacks: HashMap::new(),
            last_checkpoint: None,
        };
        execution.save(operation);
        let started = history::execution_started(&execution);
        execution.record(started);
        self.executions.insert(arn.clone(), execution);
        self.order.push(arn.clone());
        arn
    }

    /// Forgets the executions that ended longer ago than their retention period.
    fn forget_expired(&mut self) {
        let at = now();
        let expired: Vec<String> = self
            .executions
            .values()
            .filter(|e| {
                e.end
                    .is_some_and(|end| end + f64::from(e.config.retention_days) * DAY < at)
            })
            .map(|e| e.arn.clone())
            .collect();
        for arn in &expired {
            self.executions.remove(arn);
        }
        self.order.retain(|arn| !expired.contains(arn));
        self.callbacks.retain(|_, (arn, _)| !expired.contains(arn));
    }
}
