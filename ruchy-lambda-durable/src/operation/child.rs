//! `run_in_child_context`: a group of operations with a result of its own.

use std::fmt::Display;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::{DurableContext, Ident, Name, Scope, from_payload, saved_error, to_payload};
use crate::failure::{DurableError, ErrorKind, error_object_of};
use crate::model::{
    CHECKPOINT_PAYLOAD_LIMIT, ContextOptions, Operation, OperationAction, OperationStatus,
    OperationSubType,
};

impl DurableContext {
    /// Runs `f` in a child context: its operations are numbered inside it, and its result is
    /// saved as one, so a replay returns the result without running `f` (unless the result was
    /// over 256 KiB: then only a marker is saved and a replay runs `f` again, its operations
    /// replaying from their own results). An error `f` returns is saved as the context's
    /// failure and returned as a [`DurableError`] of kind [`ErrorKind::ChildContext`].
    pub fn run_in_child_context<T, E, F>(
        &self,
        name: impl Into<Name>,
        f: F,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnOnce(&DurableContext) -> Result<T, E>,
    {
        let ident = self.begin(name.into(), OperationSubType::RunInChildContext)?;
        self.run_child(&ident, f)
    }

    /// Runs `f` in the child context of `ident` (of any context sub-type).
    pub(crate) fn run_child<T, E, F>(&self, ident: &Ident, f: F) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnOnce(&DurableContext) -> Result<T, E>,
    {
        self.run_child_with(ident, f, |_| None)
    }

    /// [`run_child`](Self::run_child) in `scope` (a batch item's own).
    pub(crate) fn run_child_in<T, E, F>(
        &self,
        ident: &Ident,
        scope: Arc<Scope>,
        f: F,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnOnce(&DurableContext) -> Result<T, E>,
    {
        self.run_child_scoped(ident, scope, f, |_| None)
    }

    /// [`run_child`](Self::run_child) with a summary saved instead of a result over the
    /// checkpoint limit (a batch's completion record).
    pub(crate) fn run_child_with<T, E, F>(
        &self,
        ident: &Ident,
        f: F,
        summary: impl FnOnce(&T) -> Option<String>,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnOnce(&DurableContext) -> Result<T, E>,
    {
        self.run_child_scoped(ident, Arc::clone(&self.scope), f, summary)
    }

    fn run_child_scoped<T, E, F>(
        &self,
        ident: &Ident,
        scope: Arc<Scope>,
        f: F,
        summary: impl FnOnce(&T) -> Option<String>,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnOnce(&DurableContext) -> Result<T, E>,
    {
        let saved = self.saved(ident)?;
        let replay_children = saved.as_ref().is_some_and(replays_children);
        if let Some(operation) = &saved {
            match operation.status {
                OperationStatus::Succeeded if !replay_children => {
                    return from_payload(context_result(operation), ident);
                }
                OperationStatus::Failed => {
                    return Err(DurableError::new(
                        ErrorKind::ChildContext,
                        saved_error(context_error(operation), "child context failed"),
                    ));
                }
                _ => {}
            }
        } else {
            self.state
                .checkpoint_later(ident.update(OperationAction::Start));
        }
        let child = self.child(&ident.id, scope);
        let outcome = f(&child);
        // A suspension the code swallowed still suspends: nothing is saved for this context.
        child.check()?;
        match outcome {
            Ok(value) => {
                if replay_children {
                    return Ok(value);
                }
                let mut payload = to_payload(&value)?;
                let mut replay = false;
                if payload.len() > CHECKPOINT_PAYLOAD_LIMIT {
                    replay = true;
                    payload = summary(&value).unwrap_or_default();
                }
                let mut succeed = ident.update(OperationAction::Succeed);
                succeed.payload = Some(payload);
                succeed.context_options = Some(ContextOptions::new(replay));
                self.state.checkpoint(succeed)?;
                Ok(value)
            }
            Err(e) => {
                if let Some(durable) = (&e as &dyn std::any::Any).downcast_ref::<DurableError>() {
                    if matches!(
                        durable.kind(),
                        ErrorKind::Suspended
                            | ErrorKind::Checkpoint
                            | ErrorKind::Orphaned
                            | ErrorKind::NonDeterministic
                    ) {
                        return Err(durable.clone());
                    }
                }
                let error = error_object_of(&e);
                let mut fail = ident.update(OperationAction::Fail);
                fail.error = Some(error.clone());
                self.state.checkpoint(fail)?;
                Err(DurableError::new(ErrorKind::ChildContext, error))
            }
        }
    }
}

fn replays_children(operation: &Operation) -> bool {
    operation
        .context_details
        .as_ref()
        .is_some_and(|d| d.replay_children)
}

pub(crate) fn context_result(operation: &Operation) -> Option<&str> {
    operation
        .context_details
        .as_ref()
        .and_then(|d| d.result.as_deref())
}

fn context_error(operation: &Operation) -> Option<&crate::model::ErrorObject> {
    operation
        .context_details
        .as_ref()
        .and_then(|d| d.error.as_ref())
}
