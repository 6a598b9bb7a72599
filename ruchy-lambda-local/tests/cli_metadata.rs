//! The Lambda metadata endpoint as a function reads it: the fixture bootstrap takes
//! `AWS_LAMBDA_METADATA_API` and `AWS_LAMBDA_METADATA_TOKEN` from its environment and sends
//! `GET /2026-01-15/metadata/execution-environment` over TCP, under `invoke` and `serve`.

#[path = "support/cli.rs"]
mod cli;

use cli::{BOOTSTRAP, DEADLINE, Server, http, run_with};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// `invoke --bin BOOTSTRAP ARGS… EVENTS…` with no region from this process's environment; the
/// replies, one per event.
fn invoke(args: &[&str], events: &[&str]) -> Vec<serde_json::Value> {
    let all: Vec<&str> = ["invoke", "--bin", BOOTSTRAP]
        .iter()
        .chain(args)
        .chain(events)
        .copied()
        .collect();
    let mut command = cli::command(&all);
    command
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION");
    let r = run_with(command, b"", DEADLINE);
    assert_eq!(r.code(), Some(0), "{r:?}");
    let replies: Vec<_> = r.stdout_lines().into_iter().map(json).collect();
    assert_eq!(replies.len(), events.len(), "{r:?}");
    replies
}

/// The `AvailabilityZoneID` of a `200` the fixture read, checking the rest of the answer.
fn zone(read: &serde_json::Value) -> String {
    assert_eq!(read["status"], 200, "{read}");
    assert_eq!(read["contentType"], "application/json", "{read}");
    assert_eq!(
        read["cacheControl"], "private, max-age=43200, immutable",
        "{read}"
    );
    let body = json(read["body"].as_str().unwrap());
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    body["AvailabilityZoneID"].as_str().unwrap().to_owned()
}

fn assert_unauthorized(read: &serde_json::Value) {
    assert_eq!(read["status"], 401, "{read}");
    assert_eq!(read["contentType"], "text/plain; charset=utf-8", "{read}");
    assert_eq!(read["body"], "Unauthorized\n", "{read}");
}

#[test]
fn invoke_serves_the_metadata_endpoint_with_the_token_only() {
    let replies = invoke(
        &[],
        &["metadata", "metadata wrong", "metadata none", "context"],
    );
    assert_eq!(zone(&replies[0]), "use1-az1");
    assert_unauthorized(&replies[1]);
    assert_unauthorized(&replies[2]);

    // The two variables: the Runtime API's host:port, and a 256-bit secret.
    let env = &replies[3]["env"];
    let api = env["AWS_LAMBDA_METADATA_API"].as_str().unwrap();
    assert_eq!(api, env["AWS_LAMBDA_RUNTIME_API"], "{env}");
    assert!(api.starts_with("127.0.0.1:"), "{api}");
    let token = env["AWS_LAMBDA_METADATA_TOKEN"].as_str().unwrap();
    assert_eq!(token.len(), 64, "{token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");

    // Another run, another token.
    let again = invoke(&[], &["context"]);
    assert_ne!(again[0]["env"]["AWS_LAMBDA_METADATA_TOKEN"], token);
}

#[test]
fn the_zone_is_the_regions_first_or_the_one_given() {
    let tokyo = invoke(&["--env", "AWS_REGION=ap-northeast-1"], &["metadata"]);
    assert_eq!(zone(&tokyo[0]), "apne1-az1");
    let given = invoke(&["--availability-zone-id", "use1-az4"], &["metadata"]);
    assert_eq!(zone(&given[0]), "use1-az4");
    let r = cli::run(&[
        "invoke",
        "--bin",
        BOOTSTRAP,
        "--availability-zone-id",
        "us-east-1a",
        "metadata",
    ]);
    assert_eq!(r.code(), Some(2), "{r:?}");
    assert!(
        r.stderr.contains("must be an Availability Zone ID"),
        "{}",
        r.stderr
    );
}

#[test]
fn serve_gives_each_function_its_zone_and_its_token() {
    let east = format!("east=bin:{BOOTSTRAP}");
    let west = format!("west=bin:{BOOTSTRAP}");
    let mut command = cli::command(&[
        "serve",
        "--port",
        "0",
        "--function",
        &east,
        "--function",
        &west,
        "--availability-zone-id",
        "west:usw2-az3",
    ]);
    command
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION");
    let server = Server::spawn(command);
    let call = |name: &str, event: &str| {
        let path = format!("/2015-03-31/functions/{name}/invocations");
        let answer = http(server.addr, "POST", &path, event.as_bytes());
        assert_eq!(answer.status, 200, "{answer:?}");
        json(&answer.text())
    };
    assert_eq!(zone(&call("east", "metadata")), "use1-az1");
    assert_eq!(zone(&call("west", "metadata")), "usw2-az3");
    assert_unauthorized(&call("west", "metadata wrong"));
    assert_unauthorized(&call("east", "metadata none"));
    let token = |name: &str| call(name, "context")["env"]["AWS_LAMBDA_METADATA_TOKEN"].clone();
    assert_ne!(token("east"), token("west"));
}
