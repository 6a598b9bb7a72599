//! `ruchy-lambda-local serve --function NAME=SOURCE …`: several functions side by side, two
//! examples built with cargo and the fixture bootstrap, each under its own name, one invoking
//! another through `AWS_ENDPOINT_URL_LAMBDA`.

#[path = "support/cli.rs"]
mod cli;

use std::time::Duration;

use cli::{BOOTSTRAP, Server, http};

fn invoke_path(name: &str) -> String {
    format!("/2015-03-31/functions/{name}/invocations")
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)))
}

#[test]
fn three_functions_each_under_its_name_one_invoking_another() {
    let caller = format!("caller=bin:{BOOTSTRAP}");
    let mut command = cli::command(&[
        "serve",
        "--port",
        "0",
        "--function",
        "fib=example:fibonacci",
        "--function",
        "greeter=example:typed",
        "--function",
        &caller,
        "--timeout",
        "5",
        "--timeout",
        "greeter:20",
        "--memory",
        "caller:256",
        "--env",
        "LAMBDA_GREETING=everyone",
        "--env",
        "caller:LAMBDA_GREETING=caller only",
    ]);
    // Its own target directory: the cargo running this test may hold the build lock of its own.
    command
        .current_dir(cli::workspace())
        .env("CARGO_TARGET_DIR", cli::nested_target_dir())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_ENDPOINT_URL_LAMBDA");
    // Building two examples in release may take minutes on a cold target directory.
    let mut server = Server::spawn_within(command, Duration::from_secs(900));

    let fib = http(server.addr, "POST", &invoke_path("fib"), br#"{"n":20}"#);
    assert_eq!(fib.status, 200, "{fib:?}");
    assert_eq!(json(&fib.body)["fibonacci"], 6765);

    // Each function has its own name and its own timeout.
    let greeter = http(
        server.addr,
        "POST",
        &invoke_path("greeter"),
        br#"{"name":"Ada"}"#,
    );
    assert_eq!(greeter.status, 200, "{greeter:?}");
    let greeting = json(&greeter.body);
    assert_eq!(greeting["greeting"], "Hello, Ada!");
    assert_eq!(greeting["function_name"], "greeter");
    let remaining = greeting["remaining_ms"].as_u64().unwrap();
    assert!((5_000..=20_000).contains(&remaining), "{remaining}");

    // The fixture invokes `fib` through the Invoke API it finds in AWS_ENDPOINT_URL_LAMBDA.
    let chained = http(
        server.addr,
        "POST",
        &invoke_path("caller"),
        b"invoke fib\n{\"n\":12}",
    );
    assert_eq!(chained.status, 200, "{chained:?}");
    let chained = json(&chained.body);
    assert_eq!(chained["invoked"], "fib");
    assert_eq!(chained["status"], 200);
    assert_eq!(chained["functionError"], "");
    assert_eq!(
        json(chained["payload"].as_str().unwrap().as_bytes())["fibonacci"],
        144
    );
    // …and a name that is not served gets Lambda's 404 there too.
    let missing = http(
        server.addr,
        "POST",
        &invoke_path("caller"),
        b"invoke nobody\n{}",
    );
    assert_eq!(json(&missing.body)["status"], 404, "{missing:?}");

    // What the caller was given: its name, the endpoint, placeholder credentials (none were
    // set here), its memory and its own value of LAMBDA_GREETING.
    let context = http(server.addr, "POST", &invoke_path("caller"), b"context");
    let env = &json(&context.body)["env"];
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "caller");
    assert_eq!(
        env["AWS_ENDPOINT_URL_LAMBDA"],
        format!("http://{}", server.addr)
    );
    assert_eq!(env["AWS_ACCESS_KEY_ID"], "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
    assert_eq!(env["LAMBDA_GREETING"], "caller only");

    // By ARN too; `function` and `_` name no function when several are served.
    let arn = "arn:aws:lambda:us-east-1:012345678912:function:greeter";
    let by_arn = http(server.addr, "POST", &invoke_path(arn), br#"{"name":"B"}"#);
    assert_eq!(json(&by_arn.body)["function_name"], "greeter");
    for alias in ["function", "_"] {
        let unknown = http(server.addr, "POST", &invoke_path(alias), b"{}");
        assert_eq!(unknown.status, 404, "{alias}");
        assert_eq!(
            unknown.header("X-Amzn-ErrorType"),
            Some("ResourceNotFoundException")
        );
    }
    let fib_arn = "arn:aws:lambda:us-east-1:012345678912:function:fib:$LATEST";
    let fib_again = http(server.addr, "POST", &invoke_path(fib_arn), br#"{"n":1}"#);
    assert_eq!(json(&fib_again.body)["fibonacci"], 1);
    assert!(
        server
            .next_line_starting("REPORT ")
            .contains("Init Duration")
    );
}

#[test]
fn a_front_before_one_function_leaves_the_invoke_api_to_all() {
    let web = format!("web=bin:{BOOTSTRAP}");
    let worker = format!("worker=bin:{BOOTSTRAP}");
    let mut server = Server::start(&[
        "--function",
        &web,
        "--function",
        &worker,
        "--http",
        "web:apigw-v2",
    ]);
    // Any other path is an HTTP API request for `web`…
    let front = http(server.addr, "GET", "/event?x=1", b"");
    assert_eq!(front.status, 200, "{front:?}");
    let event = json(&front.body);
    assert_eq!(event["rawPath"], "/event");
    assert_eq!(event["requestContext"]["http"]["method"], "GET");
    // …and the Invoke API's paths reach every function, as a chained invoke needs.
    let invoked = http(server.addr, "POST", &invoke_path("worker"), b"[1]");
    assert_eq!((invoked.status, invoked.text().as_str()), (200, "[1]"));
    let invoked = http(server.addr, "POST", &invoke_path("web"), b"[2]");
    assert_eq!((invoked.status, invoked.text().as_str()), (200, "[2]"));
    assert!(
        server
            .next_line_starting("REPORT ")
            .starts_with("REPORT RequestId: ")
    );
}
