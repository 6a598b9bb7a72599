//! Where one function's invocations run: one process taking them in turns, `--instances` (up
//! to N processes, each cold-started on demand), or `--concurrency` (one process taking N at
//! once, owned by a dispatcher thread).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};
use std::thread;
use std::time::Duration;

use ruchy_lambda_local::{Function, FunctionConfig, InvocationReport, LogFormat, Progress, report};

use super::super::{CliError, log};
use super::relay::Relay;
use super::tail::{LogTail, with_tail};
use super::{Deployed, STOPPING, Served};

/// How often the dispatcher of `--concurrency` polls the function while invocations run.
const POLL: Duration = Duration::from_millis(5);

/// Where one function's invocations go.
pub(super) enum Pool {
    /// One process; requests queue for it.
    Queue(Box<(Mutex<Function>, LogTail)>),
    /// `--instances N`: up to N processes, each started when first needed.
    Instances {
        slots: Vec<Slot>,
        path: PathBuf,
        config: Box<FunctionConfig>,
    },
    /// `--concurrency N`: one process taking up to N at once, owned by a dispatcher thread.
    Concurrent {
        jobs: mpsc::Sender<Order>,
        busy: AtomicUsize,
        limit: usize,
    },
}

/// A process of `--instances`, and the log of its invocations for `X-Amz-Log-Type: Tail`.
pub(super) struct Slot {
    pub(super) function: Mutex<Option<Function>>,
    tail: LogTail,
}

/// What the dispatcher of `--concurrency` is told.
pub(super) enum Order {
    /// Run an invocation.
    Invoke(Job),
    /// Shut the function down, fail the invocations still running, acknowledge, and end.
    Stop(mpsc::Sender<()>),
}

/// A request handed to the dispatcher, and where its outcome goes.
pub(super) struct Job {
    event: Vec<u8>,
    /// `X-Amz-Log-Type: Tail`: the invocation's log comes back with its report.
    tail: bool,
    reply: mpsc::Sender<Result<Invoked, String>>,
}

/// An invocation's report, and its log when `X-Amz-Log-Type: Tail` asked for it.
pub(super) struct Invoked {
    pub(super) report: InvocationReport,
    pub(super) log: Option<Vec<u8>>,
}

/// Why an invocation produced no report.
pub(super) enum Failure {
    /// All N are busy: 429.
    Throttled,
    /// The function could not be run.
    Failed(String),
}

impl Pool {
    /// Starts the function's first process (a bootstrap that cannot start fails here): with
    /// `instances`, the first of N (the rest when a request finds every running one busy); with
    /// `config.concurrency` > 1, one process and its dispatcher thread; else one process that
    /// requests queue for. Gives its ARN too.
    pub(super) fn start(
        path: &Path,
        config: FunctionConfig,
        instances: Option<usize>,
    ) -> Result<(Pool, String), CliError> {
        let start = |config: FunctionConfig| {
            Function::start(path, config).map_err(|e| CliError::Failed(e.to_string()))
        };
        if let Some(n) = instances {
            let slots: Vec<Slot> = (0..n)
                .map(|_| Slot {
                    function: Mutex::new(None),
                    tail: LogTail::default(),
                })
                .collect();
            let first = start(with_tail(&config, &slots[0].tail))?;
            let arn = first.function_arn();
            *slots[0]
                .function
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(first);
            let pool = Pool::Instances {
                slots,
                path: path.to_path_buf(),
                config: Box::new(config),
            };
            Ok((pool, arn))
        } else if config.concurrency > 1 {
            let limit = config.concurrency;
            let tail = LogTail::default();
            let function = start(with_tail(&config, &tail))?;
            let arn = function.function_arn();
            let (jobs, incoming) = mpsc::channel();
            thread::Builder::new()
                .name("dispatcher".to_owned())
                .spawn(move || dispatch(function, &tail, &incoming))
                .map_err(|e| CliError::Failed(format!("cannot start the dispatcher: {e}")))?;
            let pool = Pool::Concurrent {
                jobs,
                busy: AtomicUsize::new(0),
                limit,
            };
            Ok((pool, arn))
        } else {
            let tail = LogTail::default();
            let function = start(with_tail(&config, &tail))?;
            let arn = function.function_arn();
            Ok((Pool::Queue(Box::new((Mutex::new(function), tail))), arn))
        }
    }
}

/// Invokes `function`, logging the invocation as Lambda does; with `tail`, its log comes back
/// with the report.
pub(super) fn invoke(
    served: &Served,
    function: &Deployed,
    event: Vec<u8>,
    tail: bool,
    relay: &mut Relay<'_>,
) -> Result<Invoked, Failure> {
    let stopping = || {
        served
            .stopping
            .load(Ordering::SeqCst)
            .then(|| Failure::Failed(STOPPING.to_owned()))
    };
    if let Some(refused) = stopping() {
        return Err(refused);
    }
    let tail_of = |log: &LogTail| tail.then(|| log.clone());
    let format = function.log_format;
    match &function.pool {
        Pool::Queue(queue) => {
            let (process, log) = &**queue;
            let mut function = process.lock().unwrap_or_else(PoisonError::into_inner);
            // Queued behind another invocation while the signal came.
            if let Some(refused) = stopping() {
                return Err(refused);
            }
            invoke_on(&mut function, event, tail_of(log), format, relay)
        }
        Pool::Instances {
            slots,
            path,
            config,
        } => {
            // A warm, idle process first; else a slot with none yet: a cold start.
            for want_running in [true, false] {
                for slot in slots {
                    let Ok(mut function) = slot.function.try_lock() else {
                        continue;
                    };
                    if function.is_some() != want_running {
                        continue;
                    }
                    if let Some(refused) = stopping() {
                        return Err(refused);
                    }
                    if function.is_none() {
                        let started = Function::start(path, with_tail(config, &slot.tail))
                            .map_err(|e| Failure::Failed(e.to_string()))?;
                        *function = Some(started);
                    }
                    if let Some(function) = function.as_mut() {
                        let log = tail_of(&slot.tail);
                        return invoke_on(function, event, log, format, relay);
                    }
                }
            }
            Err(Failure::Throttled)
        }
        Pool::Concurrent { jobs, busy, limit } => {
            if busy.fetch_add(1, Ordering::SeqCst) >= *limit {
                busy.fetch_sub(1, Ordering::SeqCst);
                return Err(Failure::Throttled);
            }
            let (reply, outcome) = mpsc::channel();
            let sent = jobs.send(Order::Invoke(Job { event, tail, reply }));
            let result = match sent {
                Ok(()) => outcome
                    .recv()
                    .unwrap_or_else(|_| Err("the function is no longer running".to_owned())),
                Err(_) => Err("the function is no longer running".to_owned()),
            };
            busy.fetch_sub(1, Ordering::SeqCst);
            result.map_err(Failure::Failed)
        }
    }
}

/// One invocation on one process, its log kept in `tail` when given.
fn invoke_on(
    function: &mut Function,
    event: Vec<u8>,
    tail: Option<LogTail>,
    format: LogFormat,
    relay: &mut Relay<'_>,
) -> Result<Invoked, Failure> {
    let platform = log::Platform::of(function);
    let arn = function.function_arn();
    let mut request_id = None;
    let on_start = |id: &str| {
        platform.start(id);
        if let Some(tail) = &tail {
            tail.open(id, &report::start_log(format, id, &arn));
        }
        request_id = Some(id.to_owned());
    };
    match function.invoke_streaming(event, on_start, |p| relay.pass_on(p)) {
        Ok(report) => {
            platform.finish(&report);
            let log = tail.map(|t| t.close(&report.request_id, &report.finish_log(format)));
            Ok(Invoked { report, log })
        }
        Err(e) => {
            if let (Some(tail), Some(id)) = (&tail, &request_id) {
                tail.close(id, &[]);
            }
            log::line(&format!("error: {e}"));
            Err(Failure::Failed(e.to_string()))
        }
    }
}

/// The dispatcher of `--concurrency`: submits each request to the function as it comes, polls
/// it, logs START when an invocation is handed out and END and REPORT when it is answered, and
/// sends each report back to its request. Ends when the server does.
pub(super) fn dispatch(mut function: Function, tail: &LogTail, incoming: &mpsc::Receiver<Order>) {
    let platform = log::Platform::of(&function);
    let format = function.config().log_format;
    let arn = function.function_arn();
    let mut waiting: HashMap<String, Waiting> = HashMap::new();
    // A log is kept from the submission: lines may come before `poll` reports the hand-out.
    let tail_log = |id: &str| tail.open(id, &report::start_log(format, id, &arn));
    loop {
        if function.outstanding() == 0 {
            // Idle: block until a request comes.
            let Ok(order) = incoming.recv() else { return };
            if !take_order(order, &mut function, &mut waiting, &tail_log) {
                return;
            }
        }
        while let Ok(order) = incoming.try_recv() {
            if !take_order(order, &mut function, &mut waiting, &tail_log) {
                return;
            }
        }
        match function.poll(POLL) {
            Ok(progress) => {
                for p in progress {
                    match p {
                        Progress::Started(id) => platform.start(&id),
                        Progress::Finished(report) => {
                            platform.finish(&report);
                            if let Some(w) = waiting.remove(&report.request_id) {
                                let log = w.tail.then(|| {
                                    tail.close(&report.request_id, &report.finish_log(format))
                                });
                                let report = *report;
                                let _ = w.reply.send(Ok(Invoked { report, log }));
                            }
                        }
                    }
                }
            }
            Err(e) => {
                log::line(&format!("error: {e}"));
                for (id, w) in waiting.drain() {
                    tail.close(&id, &[]);
                    let _ = w.reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

/// A request the dispatcher has submitted, waiting for its report.
struct Waiting {
    tail: bool,
    reply: mpsc::Sender<Result<Invoked, String>>,
}

/// Carries out an order to the dispatcher; whether it goes on.
fn take_order(
    order: Order,
    function: &mut Function,
    waiting: &mut HashMap<String, Waiting>,
    tail_log: &dyn Fn(&str),
) -> bool {
    match order {
        Order::Invoke(job) => {
            let id = function.submit(job.event);
            if job.tail {
                tail_log(&id);
            }
            let waiter = Waiting {
                tail: job.tail,
                reply: job.reply,
            };
            waiting.insert(id, waiter);
            true
        }
        Order::Stop(done) => {
            for (_, w) in waiting.drain() {
                let _ = w.reply.send(Err(STOPPING.to_owned()));
            }
            function.stop();
            let _ = done.send(());
            false
        }
    }
}
