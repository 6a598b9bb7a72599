//! `step`: code whose result is saved, with retries.

use std::fmt::Display;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::retry::RetryStrategy;
use crate::context::{DurableContext, Ident, Name, from_payload, now, saved_error, to_payload};
use crate::failure::{DurableError, ErrorKind, error_object_of};
use crate::model::{
    ErrorObject, Operation, OperationAction, OperationStatus, OperationSubType, StepOptions,
};

/// How often a step's code may run for one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StepSemantics {
    /// The start of each attempt is saved before the code runs, so an attempt interrupted
    /// (the invocation ended, the process died) is not run again: it counts as failed with
    /// `StepInterruptedError`, and the retry strategy decides.
    AtMostOncePerRetry,
    /// The code runs at once, its start saved in the background; an interrupted attempt runs
    /// again on the next invocation. The default.
    #[default]
    AtLeastOncePerRetry,
}

/// How a step runs: its retry strategy and semantics.
#[derive(Debug, Clone, Default)]
pub struct StepConfig {
    pub(crate) retry: RetryStrategy,
    pub(crate) semantics: StepSemantics,
}

impl StepConfig {
    /// The default: AWS's default retry strategy, at least once per retry.
    pub fn new() -> Self {
        Self::default()
    }

    /// When a failed attempt is tried again.
    pub fn retry(mut self, strategy: impl Into<RetryStrategy>) -> Self {
        self.retry = strategy.into();
        self
    }

    /// How often the code may run for one attempt.
    pub fn semantics(mut self, semantics: StepSemantics) -> Self {
        self.semantics = semantics;
        self
    }
}

/// What a step's code is given.
#[derive(Debug, Clone)]
pub struct StepContext {
    attempt: u32,
    operation_id: String,
}

impl StepContext {
    pub(crate) fn new(attempt: u32, operation_id: String) -> Self {
        StepContext {
            attempt,
            operation_id,
        }
    }

    /// The attempt running, 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The step's operation id.
    pub fn operation_id(&self) -> &str {
        &self.operation_id
    }
}

impl DurableContext {
    /// Runs `f` as a step with the default [`StepConfig`]: see
    /// [`step_with`](Self::step_with).
    pub fn step<T, E, F>(&self, name: impl Into<Name>, f: F) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnMut(&StepContext) -> Result<T, E>,
    {
        self.step_with(name, StepConfig::default(), f)
    }

    /// Runs `f` as a step: its result is saved, and a replay returns the saved result without
    /// running `f` again. When `f` fails, the retry strategy decides: a retry is saved with its
    /// delay and the execution suspends until it is due (Lambda invokes the function again
    /// then); with no retry left, the failure is saved and returned as a
    /// [`DurableError`] of kind [`ErrorKind::Step`] carrying `f`'s error (its type name as
    /// `ErrorType`, or the [`ErrorObject`] `f` returned).
    pub fn step_with<T, E, F>(
        &self,
        name: impl Into<Name>,
        config: StepConfig,
        f: F,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnMut(&StepContext) -> Result<T, E>,
    {
        let ident = self.begin(name.into(), OperationSubType::Step)?;
        self.run_step(&ident, &config, f)
    }

    pub(crate) fn run_step<T, E, F>(
        &self,
        ident: &Ident,
        config: &StepConfig,
        mut f: F,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnMut(&StepContext) -> Result<T, E>,
    {
        let mut saved = self.saved(ident)?;
        if let Some(operation) = &saved {
            match operation.status {
                OperationStatus::Succeeded => {
                    return from_payload(step_result(operation), ident);
                }
                OperationStatus::Failed => {
                    return Err(DurableError::new(
                        ErrorKind::Step,
                        saved_error(step_error(operation), "step failed"),
                    ));
                }
                OperationStatus::Pending => {
                    let until = next_attempt(operation);
                    return Err(self.suspend(
                        until,
                        format!("the retry of step {} is not due yet", ident.label()),
                    ));
                }
                OperationStatus::Started
                    if config.semantics == StepSemantics::AtMostOncePerRetry =>
                {
                    let error = ErrorObject::new(
                        "StepInterruptedError",
                        format!(
                            "Step operation_id={} name={} was previously interrupted",
                            ident.id,
                            ident.name.as_deref().unwrap_or("None")
                        ),
                    );
                    return Err(self.step_failed(ident, config, attempts(operation), error));
                }
                _ => {}
            }
        }
        let needs_start = saved
            .as_ref()
            .is_none_or(|o| o.status == OperationStatus::Ready);
        if needs_start {
            let start = ident.update(OperationAction::Start);
            match config.semantics {
                StepSemantics::AtMostOncePerRetry => {
                    self.state.checkpoint(start)?;
                    saved = self.state.get(&ident.id).or(saved);
                }
                StepSemantics::AtLeastOncePerRetry => self.state.checkpoint_later(start),
            }
        }
        let attempts_made = saved.as_ref().map_or(0, attempts);
        let step = StepContext {
            attempt: attempts_made + 1,
            operation_id: ident.id.clone(),
        };
        match f(&step) {
            Ok(value) => {
                let payload = to_payload(&value)?;
                let mut succeed = ident.update(OperationAction::Succeed);
                succeed.payload = Some(payload);
                self.state.checkpoint(succeed)?;
                Ok(value)
            }
            Err(e) => {
                if let Some(durable) = (&e as &dyn std::any::Any).downcast_ref::<DurableError>() {
                    if matches!(
                        durable.kind(),
                        ErrorKind::Suspended | ErrorKind::Checkpoint | ErrorKind::Orphaned
                    ) {
                        return Err(durable.clone());
                    }
                }
                let error = error_object_of(&e);
                Err(self.step_failed(ident, config, attempts_made, error))
            }
        }
    }

    /// A failed attempt: a retry saved and a suspension until it is due, or the failure
    /// saved and returned.
    fn step_failed(
        &self,
        ident: &Ident,
        config: &StepConfig,
        prior_attempts: u32,
        error: ErrorObject,
    ) -> DurableError {
        let attempts_made = prior_attempts + 1;
        if let Some(delay) = config.retry.next_delay(&error, attempts_made) {
            let mut retry = ident.update(OperationAction::Retry);
            retry.error = Some(error);
            retry.step_options = Some(StepOptions::new(u32::try_from(delay).unwrap_or(u32::MAX)));
            if let Err(e) = self.state.checkpoint(retry) {
                return e;
            }
            return self.suspend(
                Some(now() + delay as f64),
                format!("step {} is retried in {delay} s", ident.label()),
            );
        }
        let mut fail = ident.update(OperationAction::Fail);
        fail.error = Some(error.clone());
        if let Err(e) = self.state.checkpoint(fail) {
            return e;
        }
        DurableError::new(ErrorKind::Step, error)
    }
}

fn attempts(operation: &Operation) -> u32 {
    operation.step_details.as_ref().map_or(0, |d| d.attempt)
}

pub(crate) fn step_result(operation: &Operation) -> Option<&str> {
    operation
        .step_details
        .as_ref()
        .and_then(|d| d.result.as_deref())
}

pub(crate) fn step_error(operation: &Operation) -> Option<&ErrorObject> {
    operation
        .step_details
        .as_ref()
        .and_then(|d| d.error.as_ref())
}

pub(crate) fn next_attempt(operation: &Operation) -> Option<f64> {
    operation
        .step_details
        .as_ref()
        .and_then(|d| d.next_attempt_timestamp)
        .map(|t| t.0)
}
