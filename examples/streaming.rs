//! Streams its reply while producing it: the lines `line 0`, `line 1`, … go to Lambda as they
//! are written, each followed by `\n`.
//!
//! Send `{"lines": 5, "delay_ms": 100}` (the defaults): the first line goes out at once, each
//! next one after `delay_ms`. With `"fail_after": K` it fails after K lines: before the first
//! line that is an ordinary error (`/error`); after it, the stream ends with the error in its
//! trailers, `errorType` `StreamFailed`; with `"panic_after": K` it panics there instead. With
//! `"http": true` the stream is an HTTP response for a Function URL: status 200,
//! `content-type: text/plain`, a cookie, then the lines.

use std::fmt;
use std::io::Write;
use std::thread;
use std::time::Duration;

use ruchy_lambda::ResponseStream;

#[derive(serde::Deserialize)]
struct Lines {
    #[serde(default = "five")]
    lines: u32,
    #[serde(default = "hundred")]
    delay_ms: u64,
    #[serde(default)]
    fail_after: Option<u32>,
    #[serde(default)]
    panic_after: Option<u32>,
    #[serde(default)]
    http: bool,
}

fn five() -> u32 {
    5
}

fn hundred() -> u64 {
    100
}

/// The stream failed on purpose, or could not be written.
#[derive(Debug)]
struct StreamFailed(String);

impl fmt::Display for StreamFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<std::io::Error> for StreamFailed {
    fn from(e: std::io::Error) -> Self {
        StreamFailed(format!("cannot write the stream: {e}"))
    }
}

#[ruchy_lambda::handler]
fn handle(event: Lines, out: &mut ResponseStream) -> Result<(), StreamFailed> {
    if event.http {
        out.http_response(200, &[("content-type", "text/plain")], &["seen=1; Path=/"])?;
    }
    for i in 0..event.lines {
        if event.fail_after == Some(i) {
            return Err(StreamFailed(format!("failed after {i} lines")));
        }
        if event.panic_after == Some(i) {
            panic!("panicked after {i} lines");
        }
        if i > 0 {
            thread::sleep(Duration::from_millis(event.delay_ms));
        }
        writeln!(out, "line {i}")?;
        out.flush()?;
    }
    if event.fail_after == Some(event.lines) {
        return Err(StreamFailed(format!("failed after {} lines", event.lines)));
    }
    Ok(())
}
