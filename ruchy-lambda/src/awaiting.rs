//! Handlers and `init` functions that await, on the `tokio` feature.
//!
//! The Runtime API client stays blocking: tokio only drives the futures of the user's code. One
//! runtime is made per process, before `init` runs (or at `init`'s first await): a
//! `current_thread` runtime with the drivers that tokio was built with (the timer always; I/O
//! when a library such as hyper turns on tokio's `net`), so `tokio::time::sleep`, hyper and the
//! AWS SDK work.
//!
//! With N workers (Lambda Managed Instances), every worker blocks on that one runtime:
//! tokio's `current_thread` runtime lets several threads call `block_on` at once, one of them
//! driving I/O, timers and spawned tasks at a time, and hands the drivers to another when it
//! returns. A client made in `init` (hyper's pool, whose connections are tasks spawned on the
//! runtime that opened them) therefore works from every worker: there is one runtime, and
//! whichever worker is waiting drives it. Each worker polls its own invocation's future on its
//! own thread, so the future need not be `Send`. See BENCHMARKS.md for the figures behind the
//! choice.

use std::future::Future;

/// A future the generated code can wait for: every future, with the `tokio` feature on.
#[diagnostic::on_unimplemented(
    message = "`async fn` handlers and `init` functions need the `tokio` feature of ruchy-lambda",
    label = "this needs an async runtime",
    note = "turn it on in Cargo.toml: `ruchy-lambda = {{ version = \"…\", features = [\"tokio\"] }}`"
)]
pub trait Awaitable: Future {}

#[cfg(feature = "tokio")]
impl<F: Future> Awaitable for F {}

/// The process's runtime, made on first use.
#[cfg(feature = "tokio")]
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start the tokio runtime: {e}"))
    })
}

/// Makes the runtime now (before `init`), so that the first invocation does not pay for it.
#[inline]
pub fn start_runtime() {
    #[cfg(feature = "tokio")]
    runtime();
}

/// Drives `future` to its end on the process's runtime, from the calling worker's thread.
#[inline]
pub fn block_on<F: Awaitable>(future: F) -> F::Output {
    #[cfg(feature = "tokio")]
    {
        runtime().block_on(future)
    }
    #[cfg(not(feature = "tokio"))]
    {
        // `Awaitable` has no implementation without the feature: no call compiles.
        drop(future);
        unreachable!("`Awaitable` is implemented only with the `tokio` feature")
    }
}

/// What `init` returned is a future: it is awaited first (autoref specialization: applies
/// before [`AwaitValue`]).
pub trait AwaitFuture {
    /// Tags the value.
    fn __await_kind(&self) -> FutureInit;
}

impl<F: Future> AwaitFuture for F {
    #[inline]
    fn __await_kind(&self) -> FutureInit {
        FutureInit
    }
}

/// What `init` returned is not a future: taken as it is.
pub trait AwaitValue {
    /// Tags the value.
    fn __await_kind(&self) -> ReadyInit;
}

impl<T> AwaitValue for &T {
    #[inline]
    fn __await_kind(&self) -> ReadyInit {
        ReadyInit
    }
}

/// `init` is an `async fn` (or returns a future).
pub struct FutureInit;

impl FutureInit {
    /// The future's output.
    #[inline]
    pub fn resolve<F: Awaitable>(self, built: F) -> F::Output {
        block_on(built)
    }
}

/// `init` returned its state (or a `Result`) at once.
pub struct ReadyInit;

impl ReadyInit {
    /// The value itself.
    #[inline]
    pub fn resolve<T>(self, built: T) -> T {
        built
    }
}

#[cfg(all(test, feature = "tokio"))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    // The generated code borrows every value alike: a future is found through the borrow too.
    #[allow(clippy::needless_borrow)]
    fn futures_are_awaited_and_values_pass() {
        let built = async { 7u8 };
        assert_eq!((&built).__await_kind().resolve(built), 7);
        let built = 9u16;
        assert_eq!((&built).__await_kind().resolve(built), 9);
        let built: Result<u8, String> = Ok(1);
        assert_eq!((&built).__await_kind().resolve(built), Ok(1));
    }

    #[test]
    fn workers_wait_on_the_one_runtime_at_once() {
        start_runtime();
        // Four threads block on the one runtime at once: each waits at a barrier that opens only
        // when all four are there, with a timer that must fire for each.
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    block_on(async move {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        let all = tokio::time::timeout(Duration::from_secs(60), barrier.wait());
                        all.await.map(|_| i)
                    })
                })
            })
            .collect();
        let sum: i32 = handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .sum();
        assert_eq!(sum, 6);
    }

    #[test]
    fn a_task_spawned_by_one_worker_is_driven_by_another() {
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        // Spawned from one thread's block_on, which then returns: the task waits on the runtime.
        block_on(async move {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let _ = tx.send(42);
            });
        });
        // Another thread's block_on drives it to its end.
        let got = std::thread::spawn(move || block_on(rx)).join().unwrap();
        assert_eq!(got, Ok(42));
    }

    #[test]
    fn a_panicking_future_leaves_the_runtime_usable() {
        let panicked = std::panic::catch_unwind(|| block_on(async { panic!("boom") }));
        assert!(panicked.is_err());
        assert_eq!(block_on(async { 5 }), 5);
    }
}
