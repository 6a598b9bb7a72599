//! Waits as long as the event asks, then says which invocation it was: for concurrency.
//!
//! Send `{"ms":200}`. The reply is like
//! `{"ms":200,"request_id":"8476a536-…","trace_id":"Root=1-…"}`. Run with
//! `AWS_LAMBDA_MAX_CONCURRENCY=4` (the local Lambda's `--concurrency 4`), four invocations wait
//! at once, each on its own worker, and each reply carries its own request and trace ids.

use std::thread;
use std::time::Duration;

use ruchy_lambda::Context;

#[derive(serde::Deserialize)]
struct Wait {
    ms: u64,
}

#[derive(serde::Serialize)]
struct Waited<'a> {
    ms: u64,
    request_id: &'a str,
    trace_id: Option<&'a str>,
}

/// The longest wait asked for that is honoured: a minute.
const MAX_MS: u64 = 60_000;

#[ruchy_lambda::handler]
fn handle(wait: Wait, ctx: &Context) -> Waited<'_> {
    let ms = wait.ms.min(MAX_MS);
    thread::sleep(Duration::from_millis(ms));
    Waited {
        ms,
        request_id: &ctx.request_id,
        trace_id: ctx.xray_trace_id.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruchy_lambda::Config;
    use std::sync::Arc;

    #[test]
    fn waits_and_names_the_invocation() {
        let ctx = Context::new("id-1", 0, Arc::new(Config::default()));
        let waited = handle(Wait { ms: 1 }, &ctx);
        assert_eq!(
            (waited.ms, waited.request_id, waited.trace_id),
            (1, "id-1", None)
        );
        assert_eq!(handle(Wait { ms: 0 }, &ctx).ms, 0);
    }
}
