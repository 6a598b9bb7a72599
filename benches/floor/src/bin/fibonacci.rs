//! `fibonacci` on the floor: `{"n":35}` (n defaults to 35) → `{"n":35,"fibonacci":9227465}`;
//! an error when F(n) does not fit in a `u64`. The event is read with a hand-written scan for
//! the `"n"` member (no JSON library: the floor is std only).

use std::io::Write;

fn handle(event: &[u8], reply: &mut Vec<u8>) -> ruchy_lambda_bench_floor::Outcome {
    let n = match field_n(event) {
        Ok(n) => n.unwrap_or(35),
        Err(()) => return Err(("InvalidEvent", "expected {\"n\": <u32>}".to_owned())),
    };
    match fibonacci(n) {
        Some(f) => {
            let _ = write!(reply, "{{\"n\":{n},\"fibonacci\":{f}}}");
            Ok(())
        }
        None => Err((
            "FibonacciOverflow",
            format!("fibonacci({n}) does not fit in a u64: n must be at most 93"),
        )),
    }
}

/// The value of a top-level `"n": <digits>` member: `Ok(None)` when there is none.
fn field_n(event: &[u8]) -> Result<Option<u32>, ()> {
    let Some(at) = event.windows(3).position(|w| w == b"\"n\"") else {
        return Ok(None);
    };
    let rest = &event[at + 3..];
    let rest = rest.trim_ascii_start().strip_prefix(b":").ok_or(())?;
    let rest = rest.trim_ascii_start();
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits])
        .ok()
        .and_then(|d| d.parse().ok())
        .map(Some)
        .ok_or(())
}

fn fibonacci(n: u32) -> Option<u64> {
    if n == 0 {
        return Some(0);
    }
    let (mut previous, mut current) = (0u64, 1u64);
    for _ in 1..n {
        (previous, current) = (current, previous.checked_add(current)?);
    }
    Some(current)
}

fn main() {
    ruchy_lambda_bench_floor::run(handle)
}
