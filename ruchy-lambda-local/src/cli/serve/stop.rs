//! SIGINT and SIGTERM: every runtime of every function ended as Lambda ends an execution
//! environment (see [Stopping](super#stopping)).

use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use signal_hook::iterator::Signals;

use super::pool::{Order, Pool};
use super::{BUSY_GRACE, Served};

/// The signal thread: on the first SIGINT or SIGTERM, stops every runtime (on a thread of its
/// own) and exits 0; on a second one, kills what is left and exits at once.
pub(super) fn on_signals(mut signals: Signals, served: Arc<Served>) {
    let mut incoming = signals.forever();
    if incoming.next().is_none() {
        return;
    }
    let stopping = thread::Builder::new()
        .name("shutdown".to_owned())
        .spawn(move || {
            if !stop_all(&served) {
                kill_runtimes_left();
            }
            let _ = std::io::Write::flush(&mut std::io::stdout());
            let _ = std::io::Write::flush(&mut std::io::stderr());
            std::process::exit(0);
        });
    if stopping.is_err() {
        kill_runtimes_left();
        std::process::exit(1);
    }
    if let Some(signal) = incoming.next() {
        kill_runtimes_left();
        std::process::exit(128 + signal);
    }
}

/// Ends every runtime as Lambda ends an execution environment, all at once (see
/// [Stopping](self#stopping)); whether each was shut down (else it is still running, busy).
fn stop_all(served: &Served) -> bool {
    served.stopping.store(true, Ordering::SeqCst);
    let grace = Instant::now() + BUSY_GRACE;
    thread::scope(|scope| {
        let mut stops = Vec::new();
        for function in &served.functions {
            match &function.pool {
                Pool::Queue(queue) => {
                    let process = &queue.0;
                    stops.push(scope.spawn(move || {
                        let Some(mut process) = lock_within(process, grace) else {
                            return false;
                        };
                        process.stop();
                        true
                    }));
                }
                Pool::Instances { slots, .. } => {
                    for slot in slots {
                        stops.push(scope.spawn(move || {
                            let Some(mut slot) = lock_within(&slot.function, grace) else {
                                return false;
                            };
                            if let Some(mut process) = slot.take() {
                                process.stop();
                            }
                            true
                        }));
                    }
                }
                Pool::Concurrent { jobs, .. } => {
                    let budget = function.shutdown_budget;
                    stops.push(scope.spawn(move || {
                        let (done, stopped) = mpsc::channel();
                        if jobs.send(Order::Stop(done)).is_err() {
                            // The dispatcher has ended: its function with it.
                            return true;
                        }
                        // The dispatcher takes the order between two polls, or after a cold
                        // start's init; then the budget, and the runtime's last lines passed on.
                        let wait = BUSY_GRACE + budget + Duration::from_secs(3);
                        stopped.recv_timeout(wait).is_ok()
                    }));
                }
            }
        }
        let mut all = true;
        for stop in stops {
            all &= stop.join().unwrap_or(false);
        }
        all
    })
}

/// Locks `mutex`, waiting until `deadline` at most.
fn lock_within<T>(mutex: &Mutex<T>, deadline: Instant) -> Option<MutexGuard<'_, T>> {
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() >= deadline => return None,
            Err(TryLockError::WouldBlock) => thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// Kills (SIGKILL) the process group of every runtime of this process still running: the
/// children of this process that lead a group of their own (Linux's `/proc`; the `kill`
/// command, as this crate has no unsafe code to call `kill(2)` itself).
fn kill_runtimes_left() {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if parent_and_group(&stat) == Some((me, pid)) {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The parent and the process group of a process, from its `/proc/PID/stat`:
/// `PID (COMM) STATE PPID PGRP …`, where COMM may hold spaces and parentheses.
fn parent_and_group(stat: &str) -> Option<(u32, u32)> {
    let (_, rest) = stat.rsplit_once(") ")?;
    let mut fields = rest.split(' ').skip(1);
    let parent = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    Some((parent, group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_parent_and_group_from_proc_stat() {
        assert_eq!(
            parent_and_group("4242 (boot strap) S 17 4242 4242 0 -1 4194560 0"),
            Some((17, 4242))
        );
        assert_eq!(parent_and_group("7 (a) b) (c) R 1 9 9"), Some((1, 9)));
        assert_eq!(parent_and_group("7 (a)"), None);
        let me = std::fs::read_to_string("/proc/self/stat").unwrap();
        assert!(parent_and_group(&me).is_some_and(|(parent, _)| parent > 0));
    }
}
