//! One vocabulary on both sides of the socket: the runtime (runtime-core) and the local Lambda
//! name the Runtime API's and the Extensions API's headers alike, and their request-id checks
//! differ only where intended.
//!
//! The two crates stay independent (the local Lambda does not depend on the runtime it tests),
//! so each has its own check; this table pins what each accepts, and the one intended
//! difference: the runtime also refuses `.` and `..`, which would be path segments in the URL it
//! builds (`/runtime/invocation/../response`), while the local Lambda, which routes by segment and
//! only hands out UUIDs, has no reason to.

use ruchy_lambda_local::headers as local;
use ruchy_lambda_local::is_valid_request_id as local_accepts;
use ruchy_lambda_runtime_core::api::is_valid_request_id as runtime_accepts;
use ruchy_lambda_runtime_core::{api, lifecycle};

#[test]
fn both_sides_name_the_headers_alike() {
    // (the runtime's, the local Lambda's), by the one name both give it.
    let pairs = [
        (api::REQUEST_ID, local::REQUEST_ID),
        (api::DEADLINE_MS, local::DEADLINE_MS),
        (api::INVOKED_FUNCTION_ARN, local::INVOKED_FUNCTION_ARN),
        (api::TRACE_ID, local::TRACE_ID),
        (api::CLIENT_CONTEXT, local::CLIENT_CONTEXT),
        (api::COGNITO_IDENTITY, local::COGNITO_IDENTITY),
        (api::TENANT_ID, local::TENANT_ID),
        (api::INVOCATION_ID, local::INVOCATION_ID),
        (api::FUNCTION_ERROR_TYPE, local::FUNCTION_ERROR_TYPE),
        (api::FUNCTION_ERROR_BODY, local::FUNCTION_ERROR_BODY),
        (api::RESPONSE_MODE, local::RESPONSE_MODE),
        (lifecycle::EXTENSION_NAME, local::EXTENSION_NAME),
        (lifecycle::EXTENSION_IDENTIFIER, local::EXTENSION_IDENTIFIER),
    ];
    for (runtime, local) in pairs {
        assert_eq!(runtime, local);
    }
}

#[test]
fn both_sides_cap_a_head_alike() {
    let runtime = ruchy_lambda_runtime_core::http::Limits::default();
    let local = ruchy_lambda_local::http::Limits::with_body(0);
    assert_eq!(runtime.max_head_bytes, local.max_head_bytes);
    assert_eq!(runtime.max_headers, local.max_headers);
}

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
