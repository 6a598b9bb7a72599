//! Callbacks: `create_callback` and `wait_for_callback`, answered from outside the function
//! (`SendDurableExecutionCallbackSuccess`, `…Failure`, `…Heartbeat`).

use std::fmt::Display;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::retry::RetryStrategy;
use super::step::{StepConfig, StepContext};
use crate::context::{DurableContext, Ident, Name, Scope, saved_error};
use crate::failure::{DurableError, ErrorKind};
use crate::model::{
    CallbackOptions, ErrorObject, OperationAction, OperationStatus, OperationSubType,
};
use crate::state::State;

/// A callback's timeouts (none by default).
#[derive(Debug, Clone, Default)]
pub struct CallbackConfig {
    timeout: Option<Duration>,
    heartbeat_timeout: Option<Duration>,
}

impl CallbackConfig {
    /// No timeouts.
    pub fn new() -> Self {
        Self::default()
    }

    /// The callback times out if it is not answered within `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The callback times out if no heartbeat (or answer) comes within `timeout` of the last.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.heartbeat_timeout = Some(timeout);
        self
    }

    fn options(&self) -> CallbackOptions {
        let secs =
            |d: Option<Duration>| d.map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
        CallbackOptions::new(secs(self.timeout), secs(self.heartbeat_timeout))
    }
}

/// A callback created by [`DurableContext::create_callback`]: give its id to whoever is to
/// answer, then ask for its [`result`](Self::result).
pub struct Callback<T> {
    callback_id: String,
    ident: Ident,
    state: Arc<State>,
    scope: Arc<Scope>,
    result: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Callback<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("callback_id", &self.callback_id)
            .field("operation_id", &self.ident.id)
            .finish()
    }
}

impl<T: DeserializeOwned> Callback<T> {
    /// The id that answers it (`SendDurableExecutionCallbackSuccess` with `CallbackId`).
    pub fn callback_id(&self) -> &str {
        &self.callback_id
    }

    /// The answer: the result sent with `SendDurableExecutionCallbackSuccess`, read as JSON
    /// (or, when it is not JSON, as a JSON string of its text); the suspension while there is
    /// none; a [`DurableError`] of kind [`ErrorKind::CallbackExternal`] for a failure sent with
    /// `…Failure`, or [`ErrorKind::CallbackTimeout`] when it timed out.
    pub fn result(&self) -> Result<T, DurableError> {
        if self.scope.is_orphaned() {
            return Err(DurableError::message(
                ErrorKind::Orphaned,
                "the batch this branch belongs to has completed",
            ));
        }
        if self.scope.suspension().is_some() {
            return Err(DurableError::suspended("the execution is suspended"));
        }
        let Some(operation) = self.state.get(&self.ident.id) else {
            return Err(DurableError::message(
                ErrorKind::CallbackExternal,
                "Callback operation must exist",
            ));
        };
        let details = operation.callback_details.as_ref();
        match operation.status {
            OperationStatus::Succeeded => {
                read_answer(details.and_then(|d| d.result.as_deref()), &self.ident)
            }
            OperationStatus::TimedOut => Err(DurableError::new(
                ErrorKind::CallbackTimeout,
                failure(details.and_then(|d| d.error.as_ref()), "Callback timed out"),
            )),
            OperationStatus::Failed | OperationStatus::Cancelled | OperationStatus::Stopped => {
                Err(DurableError::new(
                    ErrorKind::CallbackExternal,
                    failure(details.and_then(|d| d.error.as_ref()), "Callback failed"),
                ))
            }
            _ => {
                self.scope.suspend(None);
                Err(DurableError::suspended(format!(
                    "callback {} is not answered yet",
                    self.ident.label()
                )))
            }
        }
    }
}

/// A callback's failure as its waiter sees it: its message, data and stack trace, with the
/// error type the caller's SDK would raise.
fn failure(error: Option<&ErrorObject>, default: &str) -> ErrorObject {
    let mut object = saved_error(error, default);
    if object.error_message.as_deref().is_none_or(str::is_empty) {
        object.error_message = Some(default.to_owned());
    }
    object
}

/// An answer's text as `T`: JSON, or else the text as a JSON string.
fn read_answer<T: DeserializeOwned>(text: Option<&str>, ident: &Ident) -> Result<T, DurableError> {
    let text = text.unwrap_or("");
    if let Ok(value) = serde_json::from_str::<T>(if text.is_empty() { "null" } else { text }) {
        return Ok(value);
    }
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|e| {
        DurableError::serialization(format!(
            "the answer of callback {} does not read as {}: {e}",
            ident.label(),
            std::any::type_name::<T>()
        ))
    })
}

/// `wait_for_callback`'s settings: the callback's timeouts and the submitter's retries.
#[derive(Debug, Clone, Default)]
pub struct WaitForCallbackConfig {
    callback: CallbackConfig,
    retry: Option<RetryStrategy>,
}

impl WaitForCallbackConfig {
    /// No timeouts; the submitter retried with the default strategy.
    pub fn new() -> Self {
        Self::default()
    }

    /// The callback times out if it is not answered within `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.callback = self.callback.timeout(timeout);
        self
    }

    /// The callback times out if no heartbeat comes within `timeout` of the last.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.callback = self.callback.heartbeat_timeout(timeout);
        self
    }

    /// When a failed submitter is tried again.
    pub fn retry(mut self, strategy: impl Into<RetryStrategy>) -> Self {
        self.retry = Some(strategy.into());
        self
    }
}

impl DurableContext {
    /// Creates a callback (its creation is saved, and a replay gets the same id back). Its
    /// answer comes from outside: see [`Callback::result`].
    pub fn create_callback<T: DeserializeOwned>(
        &self,
        name: impl Into<Name>,
        config: CallbackConfig,
    ) -> Result<Callback<T>, DurableError> {
        let ident = self.begin(name.into(), OperationSubType::Callback)?;
        let mut saved = self.saved(&ident)?;
        if saved.is_none() {
            let mut start = ident.update(OperationAction::Start);
            start.callback_options = Some(config.options());
            self.state.checkpoint(start)?;
            saved = self.state.get(&ident.id);
        }
        let callback_id = saved
            .and_then(|o| o.callback_details.map(|d| d.callback_id))
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                DurableError::message(
                    ErrorKind::Checkpoint,
                    format!("Lambda gave no callback id for callback {}", ident.label()),
                )
            })?;
        Ok(Callback {
            callback_id,
            ident,
            state: Arc::clone(&self.state),
            scope: Arc::clone(&self.scope),
            result: PhantomData,
        })
    }

    /// Creates a callback, gives its id to `submitter` (run as a step, with retries: the code
    /// that sends the id to whoever answers), and waits for the answer, all in a child context
    /// of sub-type `WaitForCallback`. A failed submitter is a [`DurableError`] of kind
    /// [`ErrorKind::CallbackSubmitter`]; a failed or timed out callback as
    /// [`Callback::result`] says.
    pub fn wait_for_callback<T, E, F>(
        &self,
        name: impl Into<Name>,
        mut submitter: F,
        config: WaitForCallbackConfig,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnMut(&str, &StepContext) -> Result<(), E>,
    {
        let name = name.into();
        let prefix = name
            .0
            .as_deref()
            .map(|n| format!("{n} "))
            .unwrap_or_default();
        let ident = self.begin(name, OperationSubType::WaitForCallback)?;
        let outcome = self.run_child(&ident, |child: &DurableContext| {
            let callback: Callback<serde_json::Value> = child.create_callback(
                format!("{prefix}create callback id"),
                config.callback.clone(),
            )?;
            let step = StepConfig {
                retry: config.retry.clone().unwrap_or_default(),
                ..StepConfig::default()
            };
            let id = callback.callback_id().to_owned();
            child.step_with(format!("{prefix}submitter"), step, |s| submitter(&id, s))?;
            let answer = callback.result()?;
            serde_json::from_value::<T>(answer).map_err(DurableError::serialization)
        });
        outcome.map_err(|e| {
            if e.kind() != ErrorKind::ChildContext {
                return e;
            }
            let cause = e.cause().clone();
            let kind = match cause.error_type.as_deref() {
                Some("CallbackTimeoutError") => ErrorKind::CallbackTimeout,
                Some("CallbackExternalError") => ErrorKind::CallbackExternal,
                Some("StepError") => ErrorKind::CallbackSubmitter,
                _ => return e,
            };
            DurableError::new(kind, cause)
        })
    }
}
