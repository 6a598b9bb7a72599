//! The request-id check of the runtime (runtime-core) and of the local Lambda, side by side.
//!
//! The two crates stay independent (the local Lambda does not depend on the runtime it tests),
//! so each has its own check; this table pins what each accepts, and the one intended
//! difference: the runtime also refuses `.` and `..`, which would be path segments in the URL it
//! builds (`/runtime/invocation/../response`), while the local Lambda, which routes by segment and
//! only hands out UUIDs, has no reason to.

use ruchy_lambda_local::is_valid_request_id as local_accepts;
use ruchy_lambda_runtime_core::api::is_valid_request_id as runtime_accepts;

#[test]
fn both_checks_agree_but_for_the_dot_segments() {
    let long = "a".repeat(128);
    let too_long = "a".repeat(129);
    // (id, the runtime accepts it, the local Lambda accepts it)
    let table: &[(&str, bool, bool)] = &[
        ("8476a536-e9f4-11e8-9739-2dfe598c3fcd", true, true),
        ("a", true, true),
        ("A_b.c-9", true, true),
        (&long, true, true),
        (&too_long, false, false),
        ("", false, false),
        ("a/b", false, false),
        ("a b", false, false),
        ("a%2Fb", false, false),
        ("a?b", false, false),
        ("é", false, false),
        ("a\r\nb", false, false),
        ("...", true, true),
        ("a..b", true, true),
        // The intended difference.
        (".", false, true),
        ("..", false, true),
    ];
    for &(id, runtime, local) in table {
        assert_eq!(runtime_accepts(id), runtime, "the runtime on {id:?}");
        assert_eq!(local_accepts(id), local, "the local Lambda on {id:?}");
    }
}
