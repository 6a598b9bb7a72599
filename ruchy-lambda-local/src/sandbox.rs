//! One runtime process: spawned with the Lambda environment, its output, its peak memory, its
//! exit, and killing it.

use std::fmt;
use std::io::{BufRead, BufReader, PipeReader, PipeWriter, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Longest line passed to an [`Output::Lines`] sink; longer lines are split.
const MAX_LINE: u64 = 256 * 1024;

/// Written by the supervisor into the runtime's output pipes to learn when the reader has passed
/// on everything written before it (pipes are first in, first out). It never reaches a sink.
const FLUSH_MARKER: &[u8] = b"\0ruchy-lambda-local:flush\0";

/// Which of the runtime's output streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// One line the runtime wrote, without its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    /// Where it was written.
    pub stream: Stream,
    /// The line, decoded as UTF-8 (invalid bytes replaced).
    pub text: String,
}

/// What to do with the runtime's standard output and standard error.
#[derive(Clone, Default)]
pub enum Output {
    /// Share this process's stdout and stderr.
    #[default]
    Inherit,
    /// Discard them.
    Null,
    /// Read them line by line and pass each line to this sink, from a reader thread per stream.
    Lines(Arc<dyn Fn(OutputLine) + Send + Sync>),
}

impl Output {
    /// [`Output::Lines`] with this sink.
    pub fn lines(sink: impl Fn(OutputLine) + Send + Sync + 'static) -> Output {
        Output::Lines(Arc::new(sink))
    }

    /// [`Output::Lines`] feeding a channel; lines arrive on the returned receiver.
    pub fn channel() -> (Output, mpsc::Receiver<OutputLine>) {
        let (tx, rx) = mpsc::channel();
        let output = Output::lines(move |line| {
            let _ = tx.send(line);
        });
        (output, rx)
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Output::Inherit => f.write_str("Inherit"),
            Output::Null => f.write_str("Null"),
            Output::Lines(_) => f.write_str("Lines(..)"),
        }
    }
}

/// A running (or exited, not yet discarded) runtime process.
#[derive(Debug)]
pub(crate) struct Sandbox {
    child: Child,
    exit: Option<ExitStatus>,
    /// When the process was spawned: the start of init.
    pub(crate) spawned_at: Instant,
    /// Spawn → the end of init (first `/next`, or `/restore/next` under SnapStart), once the
    /// sandbox is ready for invocations.
    pub(crate) init_duration: Option<Duration>,
    /// SnapStart: `/restore/next` released → first `/next`, once restored.
    pub(crate) restore_duration: Option<Duration>,
    /// Whether the cold-start invocation has been reported.
    pub(crate) reported_init: bool,
    peak_rss_kb: Option<u64>,
    /// One per piped stream: the thread passing its lines on, and the supervisor's own write end
    /// of the pipe with the channel on which the thread acknowledges each flush marker.
    readers: Vec<Reader>,
}

#[derive(Debug)]
struct Reader {
    thread: JoinHandle<()>,
    flush: Option<(PipeWriter, mpsc::Receiver<()>)>,
}

impl Sandbox {
    /// Spawns `path` with `env` (added to this process's environment unless `clear_env`), in
    /// `task_root`; in a process group of its own with `own_group`.
    pub(crate) fn spawn(
        path: &Path,
        task_root: &Path,
        env: &[(String, String)],
        clear_env: bool,
        own_group: bool,
        output: &Output,
    ) -> std::io::Result<Sandbox> {
        let mut command = Command::new(path);
        if clear_env {
            command.env_clear();
        }
        #[cfg(unix)]
        if own_group {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        #[cfg(not(unix))]
        let _ = own_group;
        command.envs(env.iter().map(|(k, v)| (k, v)));
        command.current_dir(task_root).stdin(Stdio::null());
        let mut pipes = Vec::new();
        match output {
            Output::Inherit => {
                command.stdout(Stdio::inherit()).stderr(Stdio::inherit());
            }
            Output::Null => {
                command.stdout(Stdio::null()).stderr(Stdio::null());
            }
            Output::Lines(_) => {
                let (out_reader, out_writer) = std::io::pipe()?;
                let (err_reader, err_writer) = std::io::pipe()?;
                // The supervisor keeps a write end of each pipe for its flush markers.
                pipes.push((Stream::Stdout, out_reader, out_writer.try_clone()?));
                pipes.push((Stream::Stderr, err_reader, err_writer.try_clone()?));
                command.stdout(out_writer).stderr(err_writer);
            }
        }
        let spawned_at = Instant::now();
        // `command` holds the child's write ends; they are closed with it, right after the spawn.
        let child = command.spawn();
        drop(command);
        let child = child?;
        let mut readers = Vec::new();
        if let Output::Lines(sink) = output {
            for (stream, pipe, writer) in pipes {
                let (ack, acks) = mpsc::channel();
                if let Some(thread) = forward_lines(pipe, stream, Arc::clone(sink), ack) {
                    readers.push(Reader {
                        thread,
                        flush: Some((writer, acks)),
                    });
                }
            }
        }
        Ok(Sandbox {
            child,
            exit: None,
            spawned_at,
            init_duration: None,
            restore_duration: None,
            reported_init: false,
            peak_rss_kb: None,
            readers,
        })
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, if the process has exited (reaping it).
    pub(crate) fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_exit() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(2));
        }
    }

    /// Sends SIGTERM to the process if it is still running (with the `kill` command: this crate
    /// has no unsafe code to call `kill(2)` itself); whether it was sent.
    pub(crate) fn terminate(&mut self) -> bool {
        if self.try_exit().is_some() {
            return false;
        }
        // Not reaped yet, so the pid is still this process's (a zombie at worst).
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Kills the process (SIGKILL) if it is still running, and reaps it.
    pub(crate) fn kill(&mut self) -> Option<ExitStatus> {
        if self.try_exit().is_none() {
            let _ = self.child.kill();
            self.exit = self.child.wait().ok();
        }
        self.exit
    }

    /// Reads the process's peak resident set size (`VmHWM` in `/proc/<pid>/status`), in kB, and
    /// remembers it; after the process exited, the last value read.
    pub(crate) fn sample_peak_rss(&mut self) -> Option<u64> {
        if self.exit.is_none() {
            if let Some(kb) = read_vm_hwm_kb(self.child.id()) {
                self.peak_rss_kb = Some(kb);
            }
        }
        self.peak_rss_kb
    }

    /// Waits (at most `timeout`) until every line the runtime wrote before now has been passed
    /// to the sink: a marker goes down each pipe behind the runtime's own bytes, and the reader
    /// acknowledges it when it gets there.
    pub(crate) fn flush_output(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut waiting = Vec::new();
        for reader in &mut self.readers {
            let Some((writer, acks)) = &mut reader.flush else {
                continue;
            };
            let mut marker = FLUSH_MARKER.to_vec();
            marker.push(b'\n');
            if writer.write_all(&marker).is_ok() {
                waiting.push(&*acks);
            }
        }
        for acks in waiting {
            let left = deadline.saturating_duration_since(Instant::now());
            let _ = acks.recv_timeout(left);
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.kill();
        // With the process gone and the supervisor's own write ends closed, the pipes close and
        // the readers pass on what is left and end. Wait for that (bounded: a child of the
        // runtime may still hold a pipe open), so that no line the function wrote is lost.
        for reader in &mut self.readers {
            reader.flush = None;
        }
        let deadline = Instant::now() + READERS_DRAIN;
        while self.readers.iter().any(|r| !r.thread.is_finished()) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(1));
        }
        for reader in self.readers.drain(..) {
            if reader.thread.is_finished() {
                let _ = reader.thread.join();
            }
        }
    }
}

/// How long dropping a sandbox waits for its output readers to pass on the last lines.
const READERS_DRAIN: Duration = Duration::from_secs(2);

fn forward_lines(
    pipe: PipeReader,
    stream: Stream,
    sink: Arc<dyn Fn(OutputLine) + Send + Sync>,
    ack: mpsc::Sender<()>,
) -> Option<JoinHandle<()>> {
    let name = match stream {
        Stream::Stdout => "runtime-stdout",
        Stream::Stderr => "runtime-stderr",
    };
    // The thread ends when the pipe closes: when the process (and any child that inherited the
    // pipe) is gone and the supervisor has closed its own write end.
    let spawned = thread::Builder::new().name(name.to_owned()).spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        // A line the runtime had not finished when a flush marker arrived.
        let mut pending = Vec::new();
        loop {
            line.clear();
            match reader.by_ref().take(MAX_LINE).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let complete = line.last() == Some(&b'\n');
            if complete {
                line.pop();
            }
            if complete && line.ends_with(FLUSH_MARKER) {
                line.truncate(line.len() - FLUSH_MARKER.len());
                pending.extend_from_slice(&line);
                let _ = ack.send(());
                continue;
            }
            pending.extend_from_slice(&line);
            if pending.last() == Some(&b'\r') {
                pending.pop();
            }
            sink(OutputLine {
                stream,
                text: String::from_utf8_lossy(&pending).into_owned(),
            });
            pending.clear();
        }
        if !pending.is_empty() {
            sink(OutputLine {
                stream,
                text: String::from_utf8_lossy(&pending).into_owned(),
            });
        }
    });
    spawned.ok()
}

/// `VmHWM` from `/proc/<pid>/status`, in kB (Linux only).
fn read_vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_hwm_kb(&status)
}

fn parse_vm_hwm_kb(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let value = line["VmHWM:".len()..].trim().strip_suffix("kB")?.trim();
    value.parse().ok()
}

/// How the process ended, in the words Lambda uses after `Runtime exited with error:`:
/// `exit status 1`, `signal: killed`, `signal: aborted`.
pub fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("signal: {}", signal_name(signal));
        }
    }
    "exit status unknown".to_owned()
}

/// Signal descriptions as Lambda's (Go) runtime prints them.
#[cfg(unix)]
fn signal_name(signal: i32) -> String {
    let name = match signal {
        1 => "hangup",
        2 => "interrupt",
        3 => "quit",
        4 => "illegal instruction",
        5 => "trace/breakpoint trap",
        6 => "aborted",
        7 => "bus error",
        8 => "floating point exception",
        9 => "killed",
        11 => "segmentation fault",
        13 => "broken pipe",
        14 => "alarm clock",
        15 => "terminated",
        31 => "bad system call",
        _ => return format!("signal {signal}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_markers_are_acknowledged_and_never_reach_the_sink() {
        let (pipe, mut writer) = std::io::pipe().unwrap();
        let (lines, got) = mpsc::channel();
        let (ack, acks) = mpsc::channel();
        let sink: Arc<dyn Fn(OutputLine) + Send + Sync> = Arc::new(move |l: OutputLine| {
            let _ = lines.send(l.text);
        });
        let thread = forward_lines(pipe, Stream::Stdout, sink, ack).unwrap();
        let marker = [FLUSH_MARKER, b"\n"].concat();
        // A whole line, a marker, a line cut by a marker, CRLF, then end of stream mid-line.
        for part in [&b"one\n"[..], &marker, b"tw", &marker, b"o\r\nthree"] {
            writer.write_all(part).unwrap();
        }
        drop(writer);
        thread.join().unwrap();
        assert_eq!(acks.try_iter().count(), 2);
        assert_eq!(got.try_iter().collect::<Vec<_>>(), ["one", "two", "three"]);
    }

    #[test]
    fn parses_vm_hwm() {
        let status =
            "Name:\tbootstrap\nVmPeak:\t   10000 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(parse_vm_hwm_kb(status), Some(1234));
        assert_eq!(parse_vm_hwm_kb("VmRSS: 1 kB"), None);
        assert!(read_vm_hwm_kb(std::process::id()).is_some_and(|kb| kb > 0));
    }

    #[cfg(unix)]
    #[test]
    fn describes_exits() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(describe_exit(ExitStatus::from_raw(1 << 8)), "exit status 1");
        assert_eq!(describe_exit(ExitStatus::from_raw(9)), "signal: killed");
        assert_eq!(describe_exit(ExitStatus::from_raw(6)), "signal: aborted");
        assert_eq!(describe_exit(ExitStatus::from_raw(40)), "signal: signal 40");
    }
}
