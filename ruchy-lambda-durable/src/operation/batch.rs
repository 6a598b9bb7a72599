//! `map` and `parallel`: items (or branches) run at once on threads, each in a child context
//! of its own, until a completion rule is met.
//!
//! A coordinator (the calling thread) starts items in index order, at most `max_concurrency`
//! at a time, and counts what ends. An item that suspends keeps its place; when it suspended
//! until a known time (a wait, a retry) and other items are still running, the coordinator
//! runs it again in this invocation once that time has come (after a checkpoint that brings the
//! newest state), as AWS's SDKs do. When every running item is suspended, the whole execution
//! suspends. When the completion rule is met (or the failures exceed what is tolerated) the
//! batch completes at once: the items still running are *orphaned*: each of their later
//! operations returns [`ErrorKind::Orphaned`] at once and what they would still checkpoint is
//! dropped. The threads are joined before `map`/`parallel` returns (a step's own code that is
//! running is not interrupted: it is waited for). A panic in an item's code ends the batch the
//! same way, and goes on in the calling thread once the other items have stopped, as a panic
//! anywhere else in a handler would.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::batch_config::{BranchFn, MapConfig, Nesting, ParallelBranch, ParallelConfig};
use super::batch_result::{
    BatchItem, BatchItemStatus, BatchResult, CompletionConfig, CompletionRecord, Policy,
};
use super::child::Child;
use super::serdes::SerDes;
use crate::context::{DurableContext, Ident, Name, Scope, now};
use crate::failure::{DurableError, ErrorKind};
use crate::model::{OperationStatus, OperationSubType};

/// How a batch runs.
struct Batch<'f, R> {
    items: Vec<(Option<String>, Box<BranchFn<'f, R>>)>,
    max_concurrency: Option<usize>,
    completion: CompletionConfig,
    nesting: Nesting,
    item_serdes: Option<&'f dyn SerDes<R>>,
    serdes: Option<&'f dyn SerDes<BatchResult<R>>>,
    top: OperationSubType,
    iteration: OperationSubType,
    name_prefix: &'static str,
    result_type: &'static str,
}

impl DurableContext {
    /// Runs `f` on every item, at once (on threads), each in a child context of its own (sub-type
    /// `MapIteration`) inside the map's (`Map`). The result of every item started, in index
    /// order.
    ///
    /// Items start in index order, at most `max_concurrency` at a time. An item that suspends
    /// keeps its place; when it suspended until a known time (a wait, a retry) and other items
    /// are still running, it runs again in this invocation once that time has come (after a
    /// checkpoint that brings the newest state), as AWS's SDKs do. When every running item is
    /// suspended, the whole execution suspends. When the completion rule is met (or the
    /// failures exceed what is tolerated) the map completes at once: the items still running
    /// are *orphaned*: each of their later operations returns [`ErrorKind::Orphaned`] at once,
    /// what they would still checkpoint is dropped, and they are reported as started. The
    /// threads are joined before `map` returns (a step's own code that is running is not
    /// interrupted: it is waited for). A panic in an item's code ends the map the same way, and
    /// goes on in the calling thread once the other items have stopped.
    pub fn map<I, R, F>(
        &self,
        name: impl Into<Name>,
        items: Vec<I>,
        f: F,
        config: MapConfig<I, R>,
    ) -> Result<BatchResult<R>, DurableError>
    where
        I: Sync,
        R: Serialize + DeserializeOwned + Send,
        F: Fn(&DurableContext, &I, usize) -> Result<R, DurableError> + Send + Sync,
    {
        let f = &f;
        let items_ref = &items;
        let batch = Batch {
            items: items_ref
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    let name = config.item_namer.as_ref().map(|n| n(item, index));
                    let run: Box<BranchFn<'_, R>> = Box::new(move |c| f(c, item, index));
                    (name, run)
                })
                .collect(),
            max_concurrency: config.max_concurrency,
            completion: config.completion,
            nesting: config.nesting,
            item_serdes: config.item_serdes.as_deref(),
            serdes: config.serdes.as_deref(),
            top: OperationSubType::Map,
            iteration: OperationSubType::MapIteration,
            name_prefix: "map-item-",
            result_type: "MapResult",
        };
        self.run_batch(name.into(), batch)
    }

    /// Runs the branches at once (on threads), each in a child context of its own (sub-type
    /// `ParallelBranch`) inside the parallel's (`Parallel`). Branches are scheduled, suspend and
    /// complete as [`map`](Self::map)'s items do. The result of every branch started, in order.
    pub fn parallel<R>(
        &self,
        name: impl Into<Name>,
        branches: Vec<ParallelBranch<'_, R>>,
        config: ParallelConfig,
    ) -> Result<BatchResult<R>, DurableError>
    where
        R: Serialize + DeserializeOwned + Send,
    {
        let batch = Batch {
            items: branches.into_iter().map(|b| (b.name, b.run)).collect(),
            max_concurrency: config.max_concurrency,
            completion: config.completion,
            nesting: config.nesting,
            item_serdes: None,
            serdes: None,
            top: OperationSubType::Parallel,
            iteration: OperationSubType::ParallelBranch,
            name_prefix: "parallel-branch-",
            result_type: "ParallelResult",
        };
        self.run_batch(name.into(), batch)
    }

    fn run_batch<R>(&self, name: Name, batch: Batch<'_, R>) -> Result<BatchResult<R>, DurableError>
    where
        R: Serialize + DeserializeOwned + Send,
    {
        batch.completion.validate(batch.items.len())?;
        if batch.max_concurrency == Some(0) {
            return Err(DurableError::message(
                ErrorKind::Validation,
                "max_concurrency must be at least 1, got: 0",
            ));
        }
        let ident = self.begin(name, batch.top.clone())?;
        let saved = self.saved(&ident)?;
        let record = saved
            .as_ref()
            .filter(|o| o.status == OperationStatus::Succeeded)
            .and_then(|o| o.context_details.as_ref())
            .filter(|d| d.replay_children)
            .and_then(|d| d.result.as_deref())
            .and_then(|r| serde_json::from_str::<CompletionRecord>(r).ok());
        let result_type = batch.result_type;
        let summary = |result: &BatchResult<R>| {
            serde_json::to_string(&CompletionRecord::of(result, result_type)).ok()
        };
        let child = Child {
            scope: Arc::clone(&self.scope),
            serdes: batch.serdes,
            summary: Some(&summary),
            nested: true,
        };
        self.run_child_as(&ident, child, |inner: &DurableContext| match &record {
            Some(record) => inner.replay_batch(&batch, record),
            None => inner.coordinate(&batch),
        })
    }

    fn item_ident<R>(&self, batch: &Batch<'_, R>, index: usize) -> Ident {
        let name = batch.items[index]
            .0
            .clone()
            .unwrap_or_else(|| format!("{}{index}", batch.name_prefix));
        Ident {
            id: self.item_id(index),
            parent_id: self.parent_id.clone(),
            name: Some(name),
            sub_type: batch.iteration.clone(),
        }
    }

    /// Runs item `index` in `scope`.
    fn run_item<R>(&self, batch: &Batch<'_, R>, index: usize, scope: Arc<Scope>) -> Outcome<R>
    where
        R: Serialize + DeserializeOwned,
    {
        let ident = self.item_ident(batch, index);
        let run = &batch.items[index].1;
        let child = Child {
            scope: Arc::clone(&scope),
            serdes: batch.item_serdes,
            summary: None,
            nested: batch.nesting == Nesting::Nested,
        };
        let result = self.run_child_as(&ident, child, |c: &DurableContext| run(c));
        match result {
            Ok(value) => Outcome::Succeeded(value),
            Err(e) => match e.kind() {
                ErrorKind::Suspended => {
                    Outcome::Suspended(scope.suspension().and_then(|s| s.until))
                }
                ErrorKind::Orphaned => Outcome::Orphaned,
                ErrorKind::ChildContext => Outcome::Failed(e.cause().clone()),
                _ => Outcome::Fatal(e),
            },
        }
    }

    /// The coordinator: see the [module](self).
    fn coordinate<R>(&self, batch: &Batch<'_, R>) -> Result<BatchResult<R>, DurableError>
    where
        R: Serialize + DeserializeOwned + Send,
    {
        let total = batch.items.len();
        let policy = Policy {
            total,
            config: batch.completion,
        };
        let max_in_flight = batch.max_concurrency.unwrap_or(total).max(1);
        let mut states: Vec<ItemState<R>> = (0..total).map(|_| ItemState::Pending).collect();
        let mut scopes: Vec<Option<Arc<Scope>>> = vec![None; total];
        let mut pending: VecDeque<usize> = (0..total).collect();
        let mut timed: Vec<(f64, usize)> = Vec::new();
        let (mut in_flight, mut running, mut succeeded, mut failed) = (0, 0, 0, 0);
        let (sender, events) = mpsc::channel::<(usize, Outcome<R>)>();
        let mut panicked = None;
        let outcome = std::thread::scope(|threads| -> Result<(), DurableError> {
            let start = |index: usize, scopes: &mut Vec<Option<Arc<Scope>>>| {
                let scope = Scope::branch(&self.scope);
                scopes[index] = Some(Arc::clone(&scope));
                let thread_sender = sender.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("durable-item-{index}"))
                    .spawn_scoped(threads, move || {
                        // A panic of the item's code is sent as its outcome, so that the
                        // coordinator does not wait for one that never comes; the caller's
                        // thread carries the panic on (see `coordinate`).
                        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            self.run_item(batch, index, scope)
                        }))
                        .unwrap_or_else(Outcome::Panicked);
                        let _ = thread_sender.send((index, outcome));
                    });
                if let Err(e) = spawned {
                    let _ = sender.send((
                        index,
                        Outcome::Fatal(DurableError::message(
                            ErrorKind::Checkpoint,
                            format!("no thread for item {index}: {e}"),
                        )),
                    ));
                }
            };
            let decision = loop {
                if policy.is_complete(succeeded, failed) || policy.tolerance_exceeded(failed) {
                    break Ok(());
                }
                while in_flight < max_in_flight && !policy.tolerance_exceeded(failed) {
                    let Some(index) = pending.pop_front() else {
                        break;
                    };
                    states[index] = ItemState::Running;
                    start(index, &mut scopes);
                    in_flight += 1;
                    running += 1;
                }
                let now = now();
                let (due, later): (Vec<_>, Vec<_>) = timed.iter().partition(|(t, _)| *t <= now);
                if !due.is_empty() {
                    timed = later;
                    if let Err(e) = self.state.refresh() {
                        break Err(e);
                    }
                    for (_, index) in due {
                        states[index] = ItemState::Running;
                        start(index, &mut scopes);
                        running += 1;
                    }
                    continue;
                }
                if running == 0 {
                    let until = timed.iter().map(|(t, _)| *t).reduce(f64::min);
                    break Err(self.suspend(until, "every running item of the batch is suspended"));
                }
                let wait = timed
                    .iter()
                    .map(|(t, _)| *t)
                    .reduce(f64::min)
                    .map(|t| Duration::from_secs_f64((t - now).max(0.0)));
                let event = match wait {
                    Some(wait) => match events.recv_timeout(wait) {
                        Ok(event) => event,
                        Err(mpsc::RecvTimeoutError::Timeout) => continue,
                        Err(mpsc::RecvTimeoutError::Disconnected) => break Ok(()),
                    },
                    None => match events.recv() {
                        Ok(event) => event,
                        Err(_) => break Ok(()),
                    },
                };
                let (index, outcome) = event;
                match outcome {
                    Outcome::Succeeded(value) => {
                        states[index] = ItemState::Succeeded(value);
                        succeeded += 1;
                        running -= 1;
                        in_flight -= 1;
                    }
                    Outcome::Failed(error) => {
                        states[index] = ItemState::Failed(error);
                        failed += 1;
                        running -= 1;
                        in_flight -= 1;
                    }
                    Outcome::Suspended(until) => {
                        states[index] = ItemState::Suspended;
                        running -= 1;
                        if let Some(until) = until {
                            timed.push((until, index));
                        }
                    }
                    Outcome::Orphaned => break Ok(()),
                    Outcome::Fatal(e) => break Err(e),
                    Outcome::Panicked(payload) => {
                        panicked = Some(payload);
                        break Ok(());
                    }
                }
            };
            // The items still running belong to a batch that has ended: they stop at their
            // next operation, and what they would checkpoint is dropped. The scope joins them.
            for (index, state) in states.iter().enumerate() {
                if matches!(state, ItemState::Running | ItemState::Suspended) {
                    if let Some(scope) = &scopes[index] {
                        scope.orphan();
                    }
                    self.state.orphan(&self.item_id(index));
                }
            }
            decision
        });
        drop(sender);
        // An item's code panicked: the panic goes on in the caller's thread, as a panic
        // anywhere else in a handler does, once the other items have stopped.
        if let Some(payload) = panicked {
            std::panic::resume_unwind(payload);
        }
        outcome?;
        let reason = policy.reason(succeeded, failed);
        // Items that ended after the decision: their outcomes are taken as they are.
        while let Ok((index, outcome)) = events.try_recv() {
            match outcome {
                Outcome::Succeeded(value) => states[index] = ItemState::Succeeded(value),
                Outcome::Failed(error) => states[index] = ItemState::Failed(error),
                Outcome::Fatal(e) => return Err(e),
                _ => {}
            }
        }
        let items = states
            .into_iter()
            .enumerate()
            .filter_map(|(index, state)| match state {
                ItemState::Pending => None,
                ItemState::Succeeded(value) => Some(BatchItem {
                    index,
                    status: BatchItemStatus::Succeeded,
                    result: Some(value),
                    error: None,
                }),
                ItemState::Failed(error) => Some(BatchItem {
                    index,
                    status: BatchItemStatus::Failed,
                    result: None,
                    error: Some(error),
                }),
                ItemState::Running | ItemState::Suspended => Some(BatchItem {
                    index,
                    status: BatchItemStatus::Started,
                    result: None,
                    error: None,
                }),
            })
            .collect();
        Ok(BatchResult {
            items,
            completion_reason: reason,
        })
    }

    /// A batch whose result was over the checkpoint limit: rebuilt from its completion record
    /// and its items' own saved results.
    fn replay_batch<R>(
        &self,
        batch: &Batch<'_, R>,
        record: &CompletionRecord,
    ) -> Result<BatchResult<R>, DurableError>
    where
        R: Serialize + DeserializeOwned + Send,
    {
        let mut items = Vec::new();
        for index in 0..record.total_count.min(batch.items.len()) {
            if record.was_started(index) {
                items.push(BatchItem {
                    index,
                    status: BatchItemStatus::Started,
                    result: None,
                    error: None,
                });
                continue;
            }
            let ident = self.item_ident(batch, index);
            let saved = self.state.get(&ident.id);
            // A virtual item has no operation of its own: it runs again, over its operations'.
            let status = match batch.nesting {
                Nesting::Flat => Some(OperationStatus::Succeeded),
                Nesting::Nested => saved.as_ref().map(|o| o.status),
            };
            let item = match status {
                Some(OperationStatus::Succeeded) => {
                    match self.run_item(batch, index, Arc::clone(&self.scope)) {
                        Outcome::Succeeded(value) => BatchItem {
                            index,
                            status: BatchItemStatus::Succeeded,
                            result: Some(value),
                            error: None,
                        },
                        Outcome::Failed(error) => BatchItem {
                            index,
                            status: BatchItemStatus::Failed,
                            result: None,
                            error: Some(error),
                        },
                        Outcome::Fatal(e) => return Err(e),
                        Outcome::Suspended(_) | Outcome::Orphaned => {
                            return Err(DurableError::suspended("a replayed item suspended"));
                        }
                        // Run on this thread, an item's panic goes on by itself.
                        Outcome::Panicked(payload) => std::panic::resume_unwind(payload),
                    }
                }
                Some(OperationStatus::Failed) => BatchItem {
                    index,
                    status: BatchItemStatus::Failed,
                    result: None,
                    error: saved.and_then(|o| o.context_details).and_then(|d| d.error),
                },
                _ => BatchItem {
                    index,
                    status: BatchItemStatus::Started,
                    result: None,
                    error: None,
                },
            };
            items.push(item);
        }
        Ok(BatchResult {
            items,
            completion_reason: record.completion_reason,
        })
    }
}

enum Outcome<R> {
    Succeeded(R),
    Failed(crate::model::ErrorObject),
    Suspended(Option<f64>),
    Orphaned,
    Fatal(DurableError),
    /// The item's code panicked: the panic's payload.
    Panicked(Box<dyn Any + Send>),
}

enum ItemState<R> {
    Pending,
    Running,
    Suspended,
    Succeeded(R),
    Failed(crate::model::ErrorObject),
}
