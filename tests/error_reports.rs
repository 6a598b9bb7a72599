//! The error a handler returns, as Lambda receives it: the exact JSON body and the error-type
//! header, for `anyhow::Result`, `Box<dyn Error + Send + Sync>`, `std::io::Result` and a
//! `thiserror` enum (`fixtures/errors/`). The `errorMessage` is the error's `Display` text and
//! then its causes, `: cause` each; the `errorType` its type's name.

use std::time::Duration;

use ruchy_lambda_local::{Function, FunctionConfig, Outcome, Output};

fn start(bootstrap: &str) -> Function {
    let config = FunctionConfig {
        timeout: Duration::from_secs(10),
        output: Output::Null,
        ..FunctionConfig::default()
    };
    Function::start(bootstrap, config).expect("start the fixture")
}

/// Invokes `f` with each `(event, errorType, errorMessage)` and checks the error report, then
/// that the function still answers.
fn check(bootstrap: &str, cases: &[(&str, &str, &str)]) {
    let mut f = start(bootstrap);
    for &(event, error_type, message) in cases {
        let report = f.invoke(event).unwrap();
        let Outcome::Error(error) = &report.outcome else {
            panic!("{event}: expected an error, got {:?}", report.outcome);
        };
        let expected = serde_json::json!({
            "errorMessage": message,
            "errorType": error_type,
            "stackTrace": [],
        });
        assert_eq!(
            String::from_utf8_lossy(&error.body),
            expected.to_string(),
            "{event}"
        );
        assert_eq!(
            error.error_type_header.as_deref(),
            Some(error_type),
            "{event}"
        );
    }
    assert!(f.invoke("fine").unwrap().is_success());
    assert_eq!(f.sandboxes_started(), 1);
}

#[test]
fn anyhow_errors_keep_their_context() {
    check(
        env!("CARGO_BIN_EXE_error-anyhow"),
        &[
            (
                "context",
                "anyhow::Error",
                "cannot bill customer 9: cannot total order 42: the price of item 7 is unknown",
            ),
            (
                "io",
                "anyhow::Error",
                "cannot read the price list: No such file or directory (os error 2)",
            ),
            ("bail", "anyhow::Error", "order 42 is empty"),
        ],
    );
}

#[test]
fn boxed_errors_keep_their_causes() {
    check(
        env!("CARGO_BIN_EXE_error-boxed"),
        &[
            ("str", "BoxError", "order 42 is empty"),
            ("parse", "BoxError", "invalid digit found in string"),
            (
                "chain",
                "BoxError",
                "cannot bill customer 9: invalid digit found in string",
            ),
        ],
    );
}

#[test]
fn io_errors_are_named_with_their_module() {
    check(
        env!("CARGO_BIN_EXE_error-io"),
        &[
            (
                "missing",
                "io::Error",
                "No such file or directory (os error 2)",
            ),
            ("other", "io::Error", "the disk is full"),
            (
                "wrapped",
                "io::Error",
                "the price list is corrupt: invalid digit found in string",
            ),
        ],
    );
}

#[test]
fn thiserror_enums_are_named_by_the_enum() {
    check(
        env!("CARGO_BIN_EXE_error-thiserror"),
        &[
            ("empty", "OrderError", "order 42 is empty"),
            (
                "prices",
                "OrderError",
                "cannot read the price list: the disk is full",
            ),
            // The message already ends with its source: it is not repeated.
            (
                "quantity",
                "OrderError",
                "bad quantity: invalid digit found in string",
            ),
            // `#[error(transparent)]`: the wrapped error's message and causes.
            (
                "storage",
                "OrderError",
                "the order store is unavailable: connection refused",
            ),
        ],
    );
}
