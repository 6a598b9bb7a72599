//! `sleep` on the floor: `{"ms":10}` → waits 10 ms (a blocking sleep, at most a minute), then
//! `{"ms":10,"request_id":"…","trace_id":"…"}` (`null` without a trace id). The event is read
//! with a hand-written scan for the `"ms"` member (no JSON library: the floor is std only).

use std::io::Write;
use std::time::Duration;

use ruchy_lambda_bench_floor::{Invocation, Outcome};

/// The longest wait asked for that is honoured: a minute.
const MAX_MS: u64 = 60_000;

fn handle(event: &[u8], invocation: &Invocation, reply: &mut Vec<u8>) -> Outcome {
    let Some(ms) = field_ms(event) else {
        return Err(("InvalidEvent", "expected {\"ms\": <u64>}".to_owned()));
    };
    let ms = ms.min(MAX_MS);
    std::thread::sleep(Duration::from_millis(ms));
    // Request ids are validated (letters, digits, `.`, `_`, `-`); trace ids are not JSON-escaped:
    // Lambda's never need it.
    let _ = write!(
        reply,
        "{{\"ms\":{ms},\"request_id\":\"{}\",\"trace_id\":",
        invocation.request_id
    );
    if invocation.trace_id.is_empty() {
        reply.extend_from_slice(b"null}");
    } else {
        let _ = write!(reply, "\"{}\"}}", invocation.trace_id);
    }
    Ok(())
}

/// The value of a top-level `"ms": <digits>` member.
fn field_ms(event: &[u8]) -> Option<u64> {
    let at = event.windows(4).position(|w| w == b"\"ms\"")?;
    let rest = event[at + 4..].trim_ascii_start().strip_prefix(b":")?;
    let rest = rest.trim_ascii_start();
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

fn main() {
    ruchy_lambda_bench_floor::run_with_context(handle)
}
