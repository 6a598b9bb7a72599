//! The log kept for `X-Amz-Log-Type: Tail`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ruchy_lambda_local::{FunctionConfig, Output};

use super::super::log;

/// How much of an invocation's log `X-Amz-Log-Type: Tail` sends back, as Lambda: the last 4 KB.
const TAIL_BYTES: usize = 4 * 1024;

/// The log of the invocations that asked for it with `X-Amz-Log-Type: Tail`, for one process:
/// its `START` line, the lines its runtime writes while it runs (after the log level filter of
/// the JSON format, as CloudWatch keeps them), and Lambda's lines that end it (`END` and
/// `REPORT`, or their JSON records). With one invocation at a time the lines are the
/// invocation's own; with `--concurrency` they cannot be told apart, and each open log gets
/// every line written while it is open, as the terminal does.
#[derive(Clone, Default)]
pub(super) struct LogTail {
    open: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl LogTail {
    /// Starts keeping the log of `request_id`, from its start line.
    pub(super) fn open(&self, request_id: &str, start: &str) {
        let mut log = start.as_bytes().to_vec();
        log.push(b'\n');
        self.lock().insert(request_id.to_owned(), log);
    }

    /// A line of the runtime's, for every open log.
    pub(super) fn line(&self, text: &str) {
        let mut open = self.lock();
        for log in open.values_mut() {
            log.extend_from_slice(text.as_bytes());
            log.push(b'\n');
            // Only the end is sent: keep it from growing without bound.
            if log.len() > 4 * TAIL_BYTES {
                let cut = ceil_char_boundary(log, log.len() - TAIL_BYTES);
                log.drain(..cut);
            }
        }
    }

    /// Stops keeping the log of `request_id` and gives its last 4 KB, `finish` lines included
    /// (cut at a character's start, so it stays UTF-8).
    pub(super) fn close(&self, request_id: &str, finish: &[String]) -> Vec<u8> {
        let mut log = self.lock().remove(request_id).unwrap_or_default();
        for line in finish {
            log.extend_from_slice(line.as_bytes());
            log.push(b'\n');
        }
        let cut = ceil_char_boundary(&log, log.len().saturating_sub(TAIL_BYTES));
        log.split_off(cut)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The first index at or after `at` where a UTF-8 character starts (or the end).
fn ceil_char_boundary(bytes: &[u8], at: usize) -> usize {
    (at..bytes.len())
        .find(|&i| (bytes[i] as i8) >= -0x40)
        .unwrap_or(bytes.len())
}

/// `config` with its runtime's lines passed on to stderr, as the command does, and to `tail`.
pub(super) fn with_tail(config: &FunctionConfig, tail: &LogTail) -> FunctionConfig {
    let tail = tail.clone();
    FunctionConfig {
        output: Output::lines(move |l| {
            log::line(&l.text);
            tail.line(&l.text);
        }),
        ..config.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_tails() {
        let tail = LogTail::default();
        tail.line("before: not kept");
        tail.open("a", "START a");
        tail.line("one");
        tail.open("b", "START b");
        tail.line("two");
        assert_eq!(
            tail.close("a", &["END a".to_owned(), "REPORT a".to_owned()]),
            b"START a\none\ntwo\nEND a\nREPORT a\n"
        );
        tail.line("three");
        assert_eq!(tail.close("b", &[]), b"START b\ntwo\nthree\n");
        assert_eq!(tail.close("unknown", &[]), b"");
        assert!(tail.lock().is_empty());

        // The last 4 KB, from the start of a character; what is held stays bounded.
        tail.open("c", "START c");
        for _ in 0..10_000 {
            tail.line("é and more");
        }
        assert!(tail.lock()["c"].len() <= 4 * TAIL_BYTES + 16);
        let log = tail.close("c", &["REPORT c".to_owned()]);
        assert!(log.len() <= TAIL_BYTES && log.len() > TAIL_BYTES - 4);
        let text = String::from_utf8(log).expect("UTF-8");
        assert!(text.ends_with("é and more\nREPORT c\n"));
        assert_eq!(ceil_char_boundary("aé".as_bytes(), 2), 3);
        assert_eq!(ceil_char_boundary(b"ab", 5), 2);
    }
}
