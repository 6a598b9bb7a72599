//! The compile-time contract of `#[handler]` with the `tokio` feature on: every accepted mix of
//! async and blocking handlers and init functions compiles (pass/), and what stays refused is
//! reported on the user's tokens (ui/). The cases without the feature are in the workspace's
//! `tests/ui`. As there, pass cases put their handlers in a module beside an empty `main`:
//! compiled and type-checked in full, not run.

#[test]
fn compile_awaiting() {
    let t = trybuild::TestCases::new();
    t.pass("pass/*.rs");
    t.compile_fail("ui/*.rs");
}
