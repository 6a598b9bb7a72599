//! `minimal` with a shutdown hook (that does nothing): the runtime registers an internal
//! extension before the first `/next` and waits for `SIGTERM` on one extra thread, which runs the
//! hook and exits.

fn shutdown() {}

#[ruchy_lambda::handler(shutdown = shutdown)]
fn handle(_event: &str) -> &'static str {
    r#"{"statusCode":200,"body":"ok"}"#
}
