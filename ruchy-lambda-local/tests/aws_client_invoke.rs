//! ruchy-lambda-aws's `Invoke` against `serve`'s Invoke API, on the fixture bootstrap: a reply,
//! a function error, an unknown function, and the `Event` and `DryRun` invocation types.

#[path = "support/cli.rs"]
mod cli;

use ruchy_lambda_aws::lambda::InvocationType;
use ruchy_lambda_aws::{Client, Credentials, ErrorKind, RetryConfig};

use cli::{BOOTSTRAP, Server};

fn client(server: &Server) -> Client {
    Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDLOCAL", "local-secret"))
        .endpoint_url(format!("http://{}", server.addr))
        .retry(RetryConfig {
            max_attempts: 1,
            base: std::time::Duration::from_millis(10),
        })
        .build()
        .expect("a client")
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)))
}

#[test]
fn invoke_replies_function_errors_unknown_functions_and_invocation_types() {
    let server = Server::start(&["--bin", BOOTSTRAP, "--timeout", "30"]);
    let lambda = client(&server).lambda();

    let payload = br#"{"order":7,"items":["a","b"]}"#;
    let invoked = lambda.invoke("function", payload).expect("Invoke");
    assert_eq!(invoked.status, 200);
    assert_eq!(invoked.payload, payload);
    assert_eq!(invoked.function_error, None);
    assert_eq!(invoked.executed_version.as_deref(), Some("$LATEST"));

    // The function failed; the call did not.
    let invoked = lambda.invoke("function", b"error").expect("Invoke");
    assert_eq!(invoked.status, 200);
    assert_eq!(invoked.function_error.as_deref(), Some("Unhandled"));
    let error = json(&invoked.payload);
    assert_eq!(error["errorType"], "FixtureError", "{error}");

    let error = lambda
        .invoke("no-such-function", b"{}")
        .expect_err("an unknown function");
    assert_eq!(error.kind(), ErrorKind::Service, "{error:?}");
    assert_eq!(error.code(), Some("ResourceNotFoundException"), "{error:?}");
    assert_eq!(error.status(), Some(404));
    assert!(
        error
            .message()
            .starts_with("Function not found: arn:aws:lambda:")
            && error.message().ends_with(":function:no-such-function"),
        "{error}"
    );
    assert!(!error.is_retryable());

    let queued = lambda
        .invoke_with("function", b"{}", InvocationType::Event, false)
        .expect("Invoke, Event");
    assert_eq!(queued.status, 202);
    assert!(queued.payload.is_empty());

    let checked = lambda
        .invoke_with("function", b"{}", InvocationType::DryRun, false)
        .expect("Invoke, DryRun");
    assert_eq!(checked.status, 204);

    // The last 4 KB of the log, base64-encoded.
    let tailed = lambda
        .invoke_with("function", b"print", InvocationType::RequestResponse, true)
        .expect("Invoke with Tail");
    assert_eq!(tailed.payload, b"print");
    let tail = tailed.log_result.expect("a log tail");
    assert!(!tail.is_empty());

    // A function named by its ARN.
    let arn = "arn:aws:lambda:us-east-1:012345678912:function:function";
    let by_arn = lambda.invoke(arn, b"{}").expect("Invoke by ARN");
    assert_eq!(by_arn.payload, b"{}");
}
