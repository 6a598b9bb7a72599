//! `run_in_child_context`: a group of operations with a result of its own.

use std::fmt::Display;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::serdes::{Json, SerDes};
use crate::context::{DurableContext, Ident, Name, Scope, saved_error};
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
        self.run_in_child_context_with(name, ChildConfig::new(), f)
    }

    /// [`run_in_child_context`](Self::run_in_child_context) with settings: its result written
    /// by a [`SerDes`] of your own.
    pub fn run_in_child_context_with<T, E, F>(
        &self,
        name: impl Into<Name>,
        config: ChildConfig<T>,
        f: F,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnOnce(&DurableContext) -> Result<T, E>,
    {
        let ident = self.begin(name.into(), OperationSubType::RunInChildContext)?;
        let child = Child {
            scope: Arc::clone(&self.scope),
            serdes: config.serdes.as_deref(),
            summary: None,
            nested: true,
        };
        self.run_child_as(&ident, child, f)
    }

    /// Runs `f` in the child context of `ident` (of any context sub-type).
    pub(crate) fn run_child<T, E, F>(&self, ident: &Ident, f: F) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnOnce(&DurableContext) -> Result<T, E>,
    {
        let child = Child {
            scope: Arc::clone(&self.scope),
            serdes: None,
            summary: None,
            nested: true,
        };
        self.run_child_as(ident, child, f)
    }

    /// Runs `f` in the child context of `ident` as `child` says.
    pub(crate) fn run_child_as<T, E, F>(
        &self,
        ident: &Ident,
        child: Child<'_, T>,
        f: F,
    ) -> Result<T, DurableError>
    where
        T: Serialize + DeserializeOwned,
        E: Display + 'static,
        F: FnOnce(&DurableContext) -> Result<T, E>,
    {
        let serdes: &dyn SerDes<T> = child.serdes.unwrap_or(&Json);
        if !child.nested {
            // A virtual context (a FLAT batch item): its operations are numbered inside it but
            // belong to the context around it, and nothing is saved for the context itself.
            let inner = self.child(&ident.id, child.scope);
            let inner = inner.with_parent(self.parent_id.clone());
            let outcome = f(&inner);
            inner.check()?;
            return outcome.map_err(|e| {
                stop_or_wrap(&e)
                    .unwrap_or_else(|object| DurableError::new(ErrorKind::ChildContext, object))
            });
        }
        let saved = self.saved(ident)?;
        let replay_children = saved.as_ref().is_some_and(replays_children);
        if let Some(operation) = &saved {
            match operation.status {
                OperationStatus::Succeeded if !replay_children => {
                    return serdes.deserialize(context_result(operation).unwrap_or(""));
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
        let inner = self.child(&ident.id, child.scope);
        let outcome = f(&inner);
        // A suspension the code swallowed still suspends: nothing is saved for this context.
        inner.check()?;
        match outcome {
            Ok(value) => {
                if replay_children {
                    return Ok(value);
                }
                let mut payload = serdes.serialize(&value)?;
                // Through a serializer of the user's, the result returned is the one read back
                // from what is saved, as a replay returns it.
                let value = match child.serdes {
                    Some(custom) => custom.deserialize(&payload)?,
                    None => value,
                };
                let mut replay = false;
                if payload.len() > CHECKPOINT_PAYLOAD_LIMIT {
                    replay = true;
                    payload = child.summary.and_then(|s| s(&value)).unwrap_or_default();
                }
                let mut succeed = ident.update(OperationAction::Succeed);
                succeed.payload = Some(payload);
                succeed.context_options = Some(ContextOptions::new(replay));
                self.state.checkpoint(succeed)?;
                Ok(value)
            }
            Err(e) => {
                let error = match stop_or_wrap(&e) {
                    Ok(stop) => return Err(stop),
                    Err(object) => object,
                };
                let mut fail = ident.update(OperationAction::Fail);
                fail.error = Some(error.clone());
                self.state.checkpoint(fail)?;
                Err(DurableError::new(ErrorKind::ChildContext, error))
            }
        }
    }
}

/// What is saved instead of a result over the checkpoint limit (a batch's completion record).
pub(crate) type Summary<T> = dyn Fn(&T) -> Option<String>;

/// How a child context runs: in which scope, its result written by which [`SerDes`], what is
/// saved instead of a result over the checkpoint limit, and whether it is a context of its own
/// (`nested`) or a virtual one.
pub(crate) struct Child<'a, T> {
    pub(crate) scope: Arc<Scope>,
    /// A serializer of the user's; JSON when none.
    pub(crate) serdes: Option<&'a dyn SerDes<T>>,
    pub(crate) summary: Option<&'a Summary<T>>,
    pub(crate) nested: bool,
}

/// A child context's settings: its result's [`SerDes`].
pub struct ChildConfig<T> {
    serdes: Option<Arc<dyn SerDes<T>>>,
}

impl<T> Default for ChildConfig<T> {
    fn default() -> Self {
        ChildConfig { serdes: None }
    }
}

impl<T> ChildConfig<T> {
    /// The result saved as JSON.
    pub fn new() -> Self {
        Self::default()
    }

    /// The result written by `serdes`.
    pub fn serdes(mut self, serdes: Arc<dyn SerDes<T>>) -> Self {
        self.serdes = Some(serdes);
        self
    }
}

/// `Ok` with the error to pass on as it is (a suspension, the API failing, an orphaned item,
/// code that does not replay), or `Err` with the error object the context fails with.
fn stop_or_wrap<E: Display + 'static>(e: &E) -> Result<DurableError, crate::model::ErrorObject> {
    if let Some(durable) = (e as &dyn std::any::Any).downcast_ref::<DurableError>() {
        if matches!(
            durable.kind(),
            ErrorKind::Suspended
                | ErrorKind::Checkpoint
                | ErrorKind::Orphaned
                | ErrorKind::NonDeterministic
        ) {
            return Ok(durable.clone());
        }
    }
    Err(error_object_of(e))
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
