//! `wait_for_condition`: a check run again after a delay until it says stop.

use std::fmt::Display;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::step::{StepContext, next_attempt, step_error, step_result};
use crate::context::{DurableContext, Name, from_payload, now, saved_error, to_payload};
use crate::failure::{DurableError, ErrorKind, error_object_of};
use crate::model::{OperationAction, OperationStatus, OperationSubType, StepOptions};

/// What a `wait_for_condition`'s strategy decides after a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitDecision {
    /// The condition is met: the state is the result.
    Stop,
    /// Check again after this delay (whole seconds, at least 1).
    Continue(Duration),
    /// Give up: the operation fails with this error (a strategy out of attempts).
    Fail(crate::model::ErrorObject),
}

type Strategy<S> = dyn Fn(&S, u32) -> WaitDecision + Send + Sync;

/// A `wait_for_condition`'s initial state and strategy (`strategy(state, attempt)` after each
/// check, attempt counting from 1).
pub struct WaitForConditionConfig<S> {
    initial_state: S,
    strategy: Box<Strategy<S>>,
}

impl<S> WaitForConditionConfig<S> {
    /// Starts from `initial_state`; `strategy` decides after each check.
    pub fn new(
        initial_state: S,
        strategy: impl Fn(&S, u32) -> WaitDecision + Send + Sync + 'static,
    ) -> Self {
        WaitForConditionConfig {
            initial_state,
            strategy: Box::new(strategy),
        }
    }
}

impl DurableContext {
    /// Runs `check` on the state (the initial state first, then what the previous check
    /// returned, saved with each retry) until the strategy says [`WaitDecision::Stop`]; between
    /// checks the execution suspends for the delay decided. The final state is saved and
    /// returned. A failing check fails the operation at once: a [`DurableError`] of kind
    /// [`ErrorKind::WaitForCondition`].
    pub fn wait_for_condition<S, E, F>(
        &self,
        name: impl Into<Name>,
        mut check: F,
        config: WaitForConditionConfig<S>,
    ) -> Result<S, DurableError>
    where
        S: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnMut(S, &StepContext) -> Result<S, E>,
    {
        let ident = self.begin(name.into(), OperationSubType::WaitForCondition)?;
        let saved = self.saved(&ident)?;
        if let Some(operation) = &saved {
            match operation.status {
                OperationStatus::Succeeded => return from_payload(step_result(operation), &ident),
                OperationStatus::Failed => {
                    return Err(DurableError::new(
                        ErrorKind::WaitForCondition,
                        saved_error(step_error(operation), "wait_for_condition failed"),
                    ));
                }
                OperationStatus::Pending => {
                    return Err(self.suspend(
                        next_attempt(operation),
                        format!("the next check of {} is not due yet", ident.label()),
                    ));
                }
                _ => {}
            }
        }
        // Every check is an attempt of its own and starts as one (a check due again is READY),
        // as AWS's SDKs record a StepStarted per check; a check already started (STARTED, its
        // invocation ended before it did) is not started twice.
        let in_progress = saved
            .as_ref()
            .is_some_and(|o| o.status == OperationStatus::Started);
        if !in_progress {
            self.state
                .checkpoint_later(ident.update(OperationAction::Start));
        }
        let resumed = saved
            .as_ref()
            .is_some_and(|o| matches!(o.status, OperationStatus::Started | OperationStatus::Ready));
        let previous = saved
            .as_ref()
            .and_then(step_result)
            .filter(|r| !r.is_empty() && resumed);
        let state = match previous {
            Some(text) => from_payload(Some(text), &ident)?,
            None => config.initial_state,
        };
        let attempt = saved
            .as_ref()
            .and_then(|o| o.step_details.as_ref())
            .map_or(0, |d| d.attempt)
            + 1;
        let step = StepContext::new(attempt, ident.id.clone());
        match check(state, &step) {
            Ok(new_state) => {
                let decision = (config.strategy)(&new_state, attempt);
                let payload = to_payload(&new_state)?;
                match decision {
                    WaitDecision::Stop => {
                        let mut succeed = ident.update(OperationAction::Succeed);
                        succeed.payload = Some(payload);
                        self.state.checkpoint(succeed)?;
                        Ok(new_state)
                    }
                    WaitDecision::Fail(error) => {
                        let mut fail = ident.update(OperationAction::Fail);
                        fail.error = Some(error.clone());
                        self.state.checkpoint(fail)?;
                        Err(DurableError::new(ErrorKind::WaitForCondition, error))
                    }
                    WaitDecision::Continue(delay) => {
                        let secs = (delay.as_secs() + u64::from(delay.subsec_nanos() > 0)).max(1);
                        let mut retry = ident.update(OperationAction::Retry);
                        retry.payload = Some(payload);
                        retry.step_options =
                            Some(StepOptions::new(u32::try_from(secs).unwrap_or(u32::MAX)));
                        self.state.checkpoint(retry)?;
                        Err(self.suspend(
                            Some(now() + secs as f64),
                            format!("{} checks again in {secs} s", ident.label()),
                        ))
                    }
                }
            }
            Err(e) => {
                let error = error_object_of(&e);
                let mut fail = ident.update(OperationAction::Fail);
                fail.error = Some(error.clone());
                self.state.checkpoint(fail)?;
                Err(DurableError::new(ErrorKind::WaitForCondition, error))
            }
        }
    }
}
