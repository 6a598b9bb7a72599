//! The compile-time contract of `#[ruchy_lambda::handler]`: every accepted form compiles
//! (`pass/`), and every rejected one fails with the expected errors, on the user's tokens (`ui/`).
//!
//! trybuild runs each pass case, and a generated `main` would wait for a Lambda Runtime API; so
//! pass cases put their handlers in modules, next to an empty crate `main`: the generated code is
//! compiled and type-checked in full, and not run.
//!
//! After a deliberate change of a message, regenerate the snapshots with
//! `TRYBUILD=overwrite cargo test -p ruchy-lambda-tests --test compile_contract` and review them.

#[test]
fn compile_contract() {
    let t = trybuild::TestCases::new();
    t.pass("pass/*.rs");
    t.compile_fail("ui/*.rs");
}
