//! `serve --durable` and its options.

use super::*;

#[test]
fn serve_durable_functions() {
    // `--durable` alone makes the one function durable, with DurableConfig's defaults.
    let one = serve(&["--bin", "b", "--durable", "--skip-time"]);
    assert_eq!(one.functions[0].durable, Some(DurableArgs::default()));
    assert_eq!(
        DurableArgs::default(),
        DurableArgs {
            execution_timeout_seconds: 86_400,
            retention_days: 14
        }
    );
    assert!(one.skip_time);
    let named = serve(&["--bin", "b", "--name", "orders", "--durable", "orders"]);
    assert!(named.functions[0].durable.is_some());
    // Among several, by name, each with its own values.
    let several = serve(&[
        "--function",
        "orders=bin:o",
        "--function",
        "mail=bin:m",
        "--function",
        "audit=bin:a",
        "--durable",
        "orders",
        "--durable",
        "audit",
        "--execution-timeout",
        "600",
        "--execution-timeout",
        "audit:31622400",
        "--retention-days",
        "orders:90",
    ]);
    let durable: Vec<_> = several.functions.iter().map(|f| f.durable).collect();
    assert_eq!(
        durable,
        [
            Some(DurableArgs {
                execution_timeout_seconds: 600,
                retention_days: 90
            }),
            None,
            Some(DurableArgs {
                execution_timeout_seconds: 31_622_400,
                retention_days: 14
            }),
        ]
    );
    assert!(!several.skip_time);
}

#[test]
fn serve_durable_mistakes() {
    for (args, expected) in [
        (
            &[
                "--function",
                "a=bin:a",
                "--function",
                "b=bin:b",
                "--durable",
            ][..],
            "`--durable` alone goes with one function",
        ),
        (
            &["--function", "a=bin:a", "--durable", "b"][..],
            "no function is named `b`",
        ),
        (
            &["--bin", "b", "--durable", "x"][..],
            "the function has no name yet",
        ),
        (
            &["--bin", "b", "--skip-time"][..],
            "`--skip-time` goes with `--durable`",
        ),
        (
            &["--bin", "b", "--execution-timeout", "60"][..],
            "go with `--durable`",
        ),
        (
            &[
                "--function",
                "a=bin:a",
                "--function",
                "b=bin:b",
                "--durable",
                "a",
                "--retention-days",
                "b:3",
            ][..],
            "the function `b` is not durable",
        ),
        (
            &["--bin", "b", "--durable", "--execution-timeout", "0"][..],
            "from 1 to 31622400",
        ),
        (
            &["--bin", "b", "--durable", "--retention-days", "91"][..],
            "from 1 to 90",
        ),
        (
            &["--bin", "b", "--durable", "--http", "url"][..],
            "invoked through the Invoke API",
        ),
    ] {
        let mut all = vec!["serve"];
        all.extend_from_slice(args);
        let message = usage_message(&all);
        assert!(message.contains(expected), "{args:?}: {message}");
    }
}
