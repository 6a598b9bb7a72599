//! One invocation's view of its execution: the operations saved so far, the checkpoint token,
//! and the updates waiting to be checkpointed.
//!
//! Updates are sent as AWS's SDKs send them. A *synchronous* update (a step's result, a wait's
//! start, a callback's creation: anything the code must not go past before it is saved) is sent
//! at once, with the updates queued before it, and the call returns when Lambda has answered.
//! An *asynchronous* one (the start of a step that may run more than once, of a child context)
//! is queued and sent with the next synchronous one, or by a flusher thread at most
//! [`MAX_BATCH_DELAY`] after it was queued. A call carries at most [`MAX_BATCH_OPERATIONS`]
//! updates and [`MAX_BATCH_BYTES`] of them; more are sent in several calls, in order. Each
//! answer gives the next token and the operations that changed, which replace the saved ones.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::failure::{DurableError, ErrorKind};
use crate::model::{
    CheckpointResponse, ExecutionState, MAX_BATCH_BYTES, MAX_BATCH_OPERATIONS, Operation,
    OperationType, OperationUpdate,
};

/// The longest an asynchronous update waits before it is sent (`max_batch_time_seconds` in
/// AWS's Python SDK).
pub const MAX_BATCH_DELAY: Duration = Duration::from_secs(1);

/// Lambda's durable execution API, as an invocation calls it. [`crate::Checkpoints`] is the
/// real one; a test may put another in its place.
pub trait DurableApi: Send + Sync {
    /// `CheckpointDurableExecution`.
    fn checkpoint(
        &self,
        arn: &str,
        checkpoint_token: &str,
        updates: &[OperationUpdate],
    ) -> Result<CheckpointResponse, crate::Error>;

    /// `GetDurableExecutionState`, one page from `marker`.
    fn state(
        &self,
        arn: &str,
        checkpoint_token: &str,
        marker: Option<&str>,
    ) -> Result<ExecutionState, crate::Error>;
}

#[cfg(feature = "client")]
impl DurableApi for crate::Checkpoints {
    fn checkpoint(
        &self,
        arn: &str,
        checkpoint_token: &str,
        updates: &[OperationUpdate],
    ) -> Result<CheckpointResponse, crate::Error> {
        crate::Checkpoints::checkpoint(self, arn, checkpoint_token, updates)
    }

    fn state(
        &self,
        arn: &str,
        checkpoint_token: &str,
        marker: Option<&str>,
    ) -> Result<ExecutionState, crate::Error> {
        crate::Checkpoints::state(
            self,
            arn,
            checkpoint_token,
            marker,
            crate::checkpoint::MAX_ITEMS,
        )
    }
}

/// Whether a failed API call may succeed if the invocation is tried again.
pub(crate) fn is_retryable(error: &crate::Error) -> bool {
    match error {
        #[cfg(feature = "client")]
        crate::Error::Aws(e) => e.is_retryable() || e.status().is_none_or(|s| s >= 500 || s == 429),
        _ => false,
    }
}

pub(crate) struct State {
    arn: String,
    api: Arc<dyn DurableApi>,
    inner: Mutex<Inner>,
    /// Wakes the flusher: an update queued, or the invocation ending.
    wake: Condvar,
    /// One API call at a time: each uses the token the previous one answered.
    calls: Mutex<()>,
    flusher: Mutex<Option<JoinHandle<()>>>,
}

struct Inner {
    token: Option<String>,
    operations: HashMap<String, Operation>,
    queued: Vec<OperationUpdate>,
    queued_since: Option<Instant>,
    /// The failure of an asynchronous flush: every later checkpoint returns it.
    failed: Option<DurableError>,
    closing: bool,
    /// Operations whose enclosing batch has completed: their updates are dropped.
    orphans: Vec<String>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// The state of an invocation whose event carried `token` and whose operations are
    /// `operations` (every page already fetched).
    pub(crate) fn new(
        arn: String,
        token: String,
        operations: Vec<Operation>,
        api: Arc<dyn DurableApi>,
    ) -> Arc<Self> {
        Arc::new(State {
            arn,
            api,
            inner: Mutex::new(Inner {
                token: Some(token),
                operations: operations.into_iter().map(|o| (o.id.clone(), o)).collect(),
                queued: Vec::new(),
                queued_since: None,
                failed: None,
                closing: false,
                orphans: Vec::new(),
            }),
            wake: Condvar::new(),
            calls: Mutex::new(()),
            flusher: Mutex::new(None),
        })
    }

    pub(crate) fn arn(&self) -> &str {
        &self.arn
    }

    /// The saved state of operation `id`.
    pub(crate) fn get(&self, id: &str) -> Option<Operation> {
        lock(&self.inner).operations.get(id).cloned()
    }

    /// Whether operation `id` was saved.
    pub(crate) fn exists(&self, id: &str) -> bool {
        lock(&self.inner).operations.contains_key(id)
    }

    /// The `EXECUTION` operation.
    pub(crate) fn execution(&self) -> Option<Operation> {
        lock(&self.inner)
            .operations
            .values()
            .find(|o| o.kind == OperationType::Execution)
            .cloned()
    }

    /// Whether anything but the `EXECUTION` operation was saved: this invocation replays.
    pub(crate) fn has_prior_operations(&self) -> bool {
        lock(&self.inner)
            .operations
            .values()
            .any(|o| o.kind != OperationType::Execution)
    }

    /// Marks operation `id` (an item of a batch that has ended) as an orphan: what it and the
    /// operations under it still checkpoint is dropped.
    pub(crate) fn orphan(&self, id: &str) {
        lock(&self.inner).orphans.push(id.to_owned());
    }

    /// Saves `update` and returns when Lambda has answered, with the updates queued before it.
    pub(crate) fn checkpoint(&self, update: OperationUpdate) -> Result<(), DurableError> {
        self.send_queued(Some(update), true)
    }

    /// Sends what is queued, and an empty checkpoint if nothing is, for the newest state (a
    /// branch resumed in this invocation reads it).
    pub(crate) fn refresh(&self) -> Result<(), DurableError> {
        self.send_queued(None, true)
    }

    /// Sends what is queued, then `update` (the caller's `calls` turn taken here), unless there
    /// is nothing to send and `when_empty` is false; a failure of an earlier flush is returned
    /// instead.
    fn send_queued(
        &self,
        update: Option<OperationUpdate>,
        when_empty: bool,
    ) -> Result<(), DurableError> {
        let _call = lock(&self.calls);
        let batch = {
            let mut inner = lock(&self.inner);
            // Due or not, the flusher waits for the next update queued.
            inner.queued_since = None;
            if let Some(failed) = &inner.failed {
                return Err(failed.clone());
            }
            let mut batch = std::mem::take(&mut inner.queued);
            batch.extend(update);
            batch
        };
        if batch.is_empty() && !when_empty {
            return Ok(());
        }
        self.send(batch)
    }

    /// Queues `update`, to be sent with the next synchronous one or within
    /// [`MAX_BATCH_DELAY`].
    pub(crate) fn checkpoint_later(self: &Arc<Self>, update: OperationUpdate) {
        let mut inner = lock(&self.inner);
        inner.queued.push(update);
        inner.queued_since.get_or_insert_with(Instant::now);
        drop(inner);
        let mut flusher = lock(&self.flusher);
        if flusher.is_none() {
            let state = Arc::clone(self);
            *flusher = std::thread::Builder::new()
                .name("durable-checkpoints".into())
                .spawn(move || state.flush_forever())
                .ok();
        }
        drop(flusher);
        self.wake.notify_all();
    }

    fn flush_forever(&self) {
        loop {
            let mut inner = lock(&self.inner);
            loop {
                if inner.closing {
                    return;
                }
                match inner.queued_since {
                    Some(since) => {
                        let due = since + MAX_BATCH_DELAY;
                        let now = Instant::now();
                        if now >= due || inner.queued.len() >= MAX_BATCH_OPERATIONS {
                            break;
                        }
                        inner = self
                            .wake
                            .wait_timeout(inner, due - now)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0;
                    }
                    None => {
                        inner = self
                            .wake
                            .wait(inner)
                            .unwrap_or_else(PoisonError::into_inner);
                    }
                }
            }
            drop(inner);
            if let Err(e) = self.send_queued(None, false) {
                lock(&self.inner).failed.get_or_insert(e);
            }
        }
    }

    /// Sends what is still queued and stops the flusher: the invocation is ending.
    pub(crate) fn close(&self) -> Result<(), DurableError> {
        lock(&self.inner).closing = true;
        self.wake.notify_all();
        if let Some(flusher) = lock(&self.flusher).take() {
            let _ = flusher.join();
        }
        let failed = lock(&self.inner).failed.clone();
        if let Some(failed) = failed {
            return Err(failed);
        }
        self.send_queued(None, false)
    }

    /// Sends `batch` (the caller holds `calls`) in calls of at most [`MAX_BATCH_OPERATIONS`]
    /// updates and [`MAX_BATCH_BYTES`], and takes each answer in.
    fn send(&self, batch: Vec<OperationUpdate>) -> Result<(), DurableError> {
        let batch = self.without_orphans(batch);
        let mut chunks: Vec<Vec<OperationUpdate>> = Vec::new();
        let mut bytes = 0;
        for update in batch {
            let size = serde_json::to_vec(&update).map_or(0, |v| v.len());
            let full = chunks.last().is_none_or(|c| {
                c.len() >= MAX_BATCH_OPERATIONS || (!c.is_empty() && bytes + size > MAX_BATCH_BYTES)
            });
            if full {
                chunks.push(Vec::new());
                bytes = 0;
            }
            bytes += size;
            if let Some(chunk) = chunks.last_mut() {
                chunk.push(update);
            }
        }
        if chunks.is_empty() {
            chunks.push(Vec::new());
        }
        for chunk in chunks {
            let token = lock(&self.inner).token.clone().ok_or_else(|| {
                DurableError::message(
                    ErrorKind::Checkpoint,
                    "the execution has ended: Lambda gave no checkpoint token for more updates",
                )
            })?;
            let answer = self
                .api
                .checkpoint(&self.arn, &token, &chunk)
                .map_err(|e| DurableError::checkpoint(&e, is_retryable(&e)))?;
            let mut operations = answer.new_execution_state.operations;
            let mut marker = answer
                .new_execution_state
                .next_marker
                .filter(|m| !m.is_empty());
            let next_token = answer.checkpoint_token.clone();
            while let Some(current) = marker {
                let page_token = next_token.as_deref().unwrap_or(&token);
                let page = self
                    .api
                    .state(&self.arn, page_token, Some(&current))
                    .map_err(|e| DurableError::checkpoint(&e, is_retryable(&e)))?;
                operations.extend(page.operations);
                marker = page.next_marker.filter(|m| !m.is_empty() && *m != current);
            }
            let mut inner = lock(&self.inner);
            inner.token = next_token;
            for operation in operations {
                inner.operations.insert(operation.id.clone(), operation);
            }
        }
        Ok(())
    }

    fn without_orphans(&self, mut batch: Vec<OperationUpdate>) -> Vec<OperationUpdate> {
        let inner = lock(&self.inner);
        if inner.orphans.is_empty() {
            return batch;
        }
        batch.retain(|u| {
            !inner.orphans.contains(&u.id) && !self.is_orphan(&inner, u.parent_id.as_deref())
        });
        batch
    }

    fn is_orphan<'a>(&self, inner: &'a Inner, mut parent: Option<&'a str>) -> bool {
        let mut hops = 0;
        while let Some(id) = parent {
            if inner.orphans.iter().any(|o| o == id) {
                return true;
            }
            parent = inner
                .operations
                .get(id)
                .and_then(|o| o.parent_id.as_deref());
            hops += 1;
            if hops > 1024 {
                break;
            }
        }
        false
    }
}

impl State {
    /// Stops the flusher without sending what is queued (the invocation is unwinding).
    pub(crate) fn stop(&self) {
        lock(&self.inner).closing = true;
        self.wake.notify_all();
    }
}
