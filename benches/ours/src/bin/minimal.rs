//! `examples/minimal.rs` built here, beside `minimal-shutdown` and `minimal-snap-hooks`, so that
//! the three differ only by their lifecycle hooks (same crate, features and profile). The same
//! source as `nolog`, under the name the lifecycle section compares.

#[ruchy_lambda::handler]
fn handle(_event: &str) -> &'static str {
    r#"{"statusCode":200,"body":"ok"}"#
}
