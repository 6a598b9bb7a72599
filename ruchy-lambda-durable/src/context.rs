//! [`DurableContext`]: what a durable handler calls its operations on.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::failure::{DurableError, ErrorKind};
use crate::ids::IdNamespace;
use crate::model::{
    ErrorObject, Operation, OperationAction, OperationSubType, OperationType, OperationUpdate,
};
use crate::state::State;

/// An operation's name: `"greet"`, a `String`, or none ([`UNNAMED`], `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Name(pub(crate) Option<String>);

/// No name: `ctx.step(UNNAMED, …)`.
pub const UNNAMED: Option<&str> = None;

impl From<&str> for Name {
    fn from(name: &str) -> Self {
        Name(Some(name.to_owned()))
    }
}

impl From<String> for Name {
    fn from(name: String) -> Self {
        Name(Some(name))
    }
}

impl From<&String> for Name {
    fn from(name: &String) -> Self {
        Name(Some(name.clone()))
    }
}

impl From<Option<&str>> for Name {
    fn from(name: Option<&str>) -> Self {
        Name(name.map(str::to_owned))
    }
}

impl From<Option<String>> for Name {
    fn from(name: Option<String>) -> Self {
        Name(name)
    }
}

/// Where a suspension or an early end reaches: the execution, or one branch of a map or
/// parallel, whose coordinator decides what the branch's suspension means for the rest.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    parent: Option<Arc<Scope>>,
    suspended: Mutex<Option<Suspension>>,
    orphaned: AtomicBool,
}

/// A suspension: until when, if a time is known (a wait's end, a retry's due time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Suspension {
    pub(crate) until: Option<f64>,
}

impl Scope {
    pub(crate) fn root() -> Arc<Scope> {
        Arc::new(Scope::default())
    }

    pub(crate) fn branch(parent: &Arc<Scope>) -> Arc<Scope> {
        Arc::new(Scope {
            parent: Some(Arc::clone(parent)),
            ..Scope::default()
        })
    }

    /// The suspension of this scope or of one around it.
    pub(crate) fn suspension(&self) -> Option<Suspension> {
        let own = *self
            .suspended
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        own.or_else(|| self.parent.as_ref().and_then(|p| p.suspension()))
    }

    pub(crate) fn suspend(&self, until: Option<f64>) {
        let mut suspended = self
            .suspended
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let earliest = match (*suspended, until) {
            (Some(Suspension { until: Some(a) }), Some(b)) => Some(a.min(b)),
            (Some(Suspension { until: None }), _) | (None, None) => None,
            (Some(Suspension { until: Some(a) }), None) => Some(a),
            (None, Some(b)) => Some(b),
        };
        *suspended = Some(Suspension { until: earliest });
    }

    pub(crate) fn orphan(&self) {
        self.orphaned.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_orphaned(&self) -> bool {
        self.orphaned.load(Ordering::SeqCst)
            || self.parent.as_ref().is_some_and(|p| p.is_orphaned())
    }
}

/// The context of a durable execution, as its handler and each child context, map item and
/// parallel branch receive it. Its operations are the execution's checkpointed steps.
///
/// Each operation takes the next id of its context (see [`crate::ids`]), so the code must start
/// the same operations in the same order on every invocation: what varies (the time, random
/// numbers, what another service answers) belongs inside a step, whose result is saved.
///
/// # Suspension
///
/// An operation that cannot finish in this invocation (a wait not over, a retry not due, a
/// callback not answered, an invoked function still running) returns a [`DurableError`] of kind
/// [`ErrorKind::Suspended`]. Return it (`?`): the invocation then ends with `PENDING`, and Lambda
/// invokes the function again when the operation can go on. If the code swallows it instead,
/// nothing is lost: the context has recorded the suspension, every later operation returns it
/// again at once without doing anything, and the invocation answers `PENDING` whatever the
/// handler returns. No unwinding is involved, so this holds under `panic = "abort"` too.
pub struct DurableContext {
    pub(crate) state: Arc<State>,
    ids: IdNamespace,
    counter: AtomicU64,
    /// The id recorded as `ParentId` of this context's operations.
    pub(crate) parent_id: Option<String>,
    pub(crate) scope: Arc<Scope>,
    replaying: AtomicBool,
}

/// One operation about to be run: its id, name and place.
#[derive(Debug, Clone)]
pub(crate) struct Ident {
    pub(crate) id: String,
    pub(crate) parent_id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) sub_type: OperationSubType,
}

impl Ident {
    pub(crate) fn update(&self, action: OperationAction) -> OperationUpdate {
        let kind = self
            .sub_type
            .operation_type()
            .unwrap_or(OperationType::Context);
        let mut update = OperationUpdate::new(self.id.clone(), kind, action);
        update.parent_id = self.parent_id.clone();
        update.name = self.name.clone();
        update.sub_type = Some(self.sub_type.clone());
        update
    }

    pub(crate) fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

impl DurableContext {
    pub(crate) fn root(state: Arc<State>) -> Self {
        let replaying = state.has_prior_operations();
        DurableContext {
            state,
            ids: IdNamespace::root(),
            counter: AtomicU64::new(0),
            parent_id: None,
            scope: Scope::root(),
            replaying: AtomicBool::new(replaying),
        }
    }

    /// The context inside operation `id`, in `scope`.
    pub(crate) fn child(&self, id: &str, scope: Arc<Scope>) -> Self {
        DurableContext {
            state: Arc::clone(&self.state),
            ids: IdNamespace::child(id),
            counter: AtomicU64::new(0),
            parent_id: Some(id.to_owned()),
            scope,
            replaying: AtomicBool::new(self.is_replaying()),
        }
    }

    /// This context with its operations recorded under `parent_id` (a virtual context's belong
    /// to the context around it).
    pub(crate) fn with_parent(mut self, parent_id: Option<String>) -> Self {
        self.parent_id = parent_id;
        self
    }

    /// The ARN of the execution.
    pub fn durable_execution_arn(&self) -> &str {
        self.state.arn()
    }

    /// Whether the operations run so far by this context were all saved by earlier
    /// invocations: the code is replaying (a log line written now was already written once).
    pub fn is_replaying(&self) -> bool {
        self.replaying.load(Ordering::Relaxed)
    }

    /// The next operation of this context: its id, with `name` and `sub_type`. Fails at once
    /// when the execution (or this branch) is suspended or its batch has completed.
    pub(crate) fn begin(
        &self,
        name: Name,
        sub_type: OperationSubType,
    ) -> Result<Ident, DurableError> {
        self.check()?;
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let id = self.ids.id(n);
        if self.is_replaying() && !self.state.exists(&id) {
            self.replaying.store(false, Ordering::Relaxed);
        }
        Ok(Ident {
            id,
            parent_id: self.parent_id.clone(),
            name: name.0,
            sub_type,
        })
    }

    /// The id the `index`th item of a batch gets (from 0, whatever order items run in).
    pub(crate) fn item_id(&self, index: usize) -> String {
        self.ids.id(index as u64)
    }

    /// The suspension (or the end of this branch's batch) recorded so far, as an error.
    pub(crate) fn check(&self) -> Result<(), DurableError> {
        if self.scope.is_orphaned() {
            return Err(DurableError::message(
                ErrorKind::Orphaned,
                "the batch this branch belongs to has completed",
            ));
        }
        if self.scope.suspension().is_some() {
            return Err(DurableError::suspended(
                "the execution is suspended: no further operation runs in this invocation",
            ));
        }
        Ok(())
    }

    /// Records a suspension until `until` (seconds of the Unix epoch), and returns it.
    pub(crate) fn suspend(&self, until: Option<f64>, why: impl Into<String>) -> DurableError {
        self.scope.suspend(until);
        DurableError::suspended(why)
    }

    /// The saved state of `ident`, checked to be of the kind the code now asks for.
    pub(crate) fn saved(&self, ident: &Ident) -> Result<Option<Operation>, DurableError> {
        let Some(operation) = self.state.get(&ident.id) else {
            return Ok(None);
        };
        let expected = ident.sub_type.operation_type();
        if expected.is_some_and(|kind| kind != operation.kind) {
            return Err(DurableError::message(
                ErrorKind::NonDeterministic,
                format!(
                    "operation {} ({}) was saved as {:?} but the code now runs a {:?} there",
                    ident.label(),
                    ident.id,
                    operation.kind,
                    expected.unwrap_or(OperationType::Context),
                ),
            ));
        }
        Ok(Some(operation))
    }
}

/// Now, in seconds of the Unix epoch.
pub(crate) fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `value` as the JSON text a payload carries.
pub(crate) fn to_payload<T: Serialize + ?Sized>(value: &T) -> Result<String, DurableError> {
    serde_json::to_string(value).map_err(DurableError::serialization)
}

/// A saved payload as `T`; an absent payload reads as JSON `null`.
pub(crate) fn from_payload<T: DeserializeOwned>(
    payload: Option<&str>,
    ident: &Ident,
) -> Result<T, DurableError> {
    let text = payload.filter(|p| !p.is_empty()).unwrap_or("null");
    serde_json::from_str(text).map_err(|e| {
        DurableError::serialization(format!(
            "the saved result of {} does not read as {}: {e}",
            ident.label(),
            std::any::type_name::<T>()
        ))
    })
}

/// The error a failed operation saved, or a default one.
pub(crate) fn saved_error(error: Option<&ErrorObject>, default: &str) -> ErrorObject {
    error.cloned().unwrap_or_else(|| ErrorObject {
        error_message: Some(default.to_owned()),
        ..ErrorObject::default()
    })
}
