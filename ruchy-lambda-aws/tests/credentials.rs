//! Credentials from the container credentials endpoint, as Lambda gives them with SnapStart:
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` and the token in `AWS_CONTAINER_AUTHORIZATION_TOKEN` or
//! in the file `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` names. Fetched at the first call,
//! fetched again within five minutes of their expiration, reused otherwise; a refused fetch is
//! an error of kind `Credentials` with the endpoint's status.
//!
//! These variables are the process's: this binary has a single test, which sets them.

mod support;

mod scenarios;

use std::path::Path;
use std::time::Duration;

use ruchy_lambda_aws::{Client, ErrorKind};
use serde_json::{Value, json};
use support::{CredentialsServer, Moto, Reply, ScriptedServer, SigningProxy};

/// Expires within the five minutes before expiration the client refreshes in.
const SHORT: Duration = Duration::from_secs(120);
const LONG: Duration = Duration::from_secs(3600);

const VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// Sets the container credentials variables to `set`, every other credentials variable removed.
fn set_environment(set: &[(&str, &str)]) {
    for name in VARIABLES {
        // SAFETY: this binary's only test is the one thread that reads or writes the
        // environment: the harness's main thread only waits for it, and the kit's server threads
        // accept, read and write sockets and pipes without reading it.
        unsafe { std::env::remove_var(name) };
    }
    for (name, value) in set {
        // SAFETY: as above.
        unsafe { std::env::set_var(name, value) };
    }
}

fn client(endpoint: &str) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .build()
        .expect("a client with container credentials")
}

fn list_tables(client: &Client) -> Result<Value, ruchy_lambda_aws::Error> {
    client.dynamodb().call("ListTables", &json!({}))
}

/// The access key and session token a recorded request was signed with.
fn signed_with(request: &support::Recorded) -> (String, String) {
    let authorization = request.header("authorization").expect("signed");
    let credential = authorization
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split('/').next())
        .expect("a credential scope");
    let token = request
        .header("x-amz-security-token")
        .expect("a session token");
    (credential.to_owned(), token.to_owned())
}

fn write_token(path: &Path, token: &str) {
    std::fs::write(path, token).expect("the token file");
}

#[test]
fn container_credentials_are_fetched_refreshed_reused_and_refused() {
    set_environment(&[]);

    // A token in the environment; the signatures checked by botocore, session token included.
    let moto = Moto::start();
    let proxy = SigningProxy::start(&moto.endpoint, "AKIDNOBODY", "nobody", None);
    proxy.accept_key("AKID1", "SECRET1");
    proxy.accept_key("AKID2", "SECRET2");
    let server = CredentialsServer::start(Some("token-in-env"), &[SHORT, LONG]);
    set_environment(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &server.url),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "token-in-env"),
    ]);
    let client = client(&proxy.endpoint);
    assert_eq!(server.requests(), 0, "nothing is fetched before a call");
    list_tables(&client).expect("signed with the first keys");
    assert_eq!(server.requests(), 1);
    // They expire within five minutes: the next call fetches new ones.
    list_tables(&client).expect("signed with the second keys");
    assert_eq!(server.requests(), 2);
    // These last an hour: reused.
    list_tables(&client).expect("signed with the second keys again");
    list_tables(&client).expect("and again");
    assert_eq!(server.requests(), 2);
    assert_eq!(server.keys().len(), 2);
    scenarios::assert_all_verified(&proxy, 4);

    // A token in a file, read again at every fetch; which keys signed what, on a scripted
    // server.
    let dir = support::tls::temp_dir("token");
    let token_file = dir.join("token");
    write_token(&token_file, "token-in-file\n");
    let server = CredentialsServer::start(Some("token-in-file"), &[SHORT, SHORT, LONG]);
    let target = ScriptedServer::start((0..5).map(|_| Reply::json(200, &json!({}))).collect());
    set_environment(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &server.url),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            token_file.to_str().expect("a UTF-8 path"),
        ),
        // The file wins over the value.
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "not-this-one"),
    ]);
    let client = self::client(&target.endpoint);
    list_tables(&client).expect("first keys");
    assert_eq!(server.requests(), 1);
    // A token the endpoint refuses: the fetch fails, the cached keys (valid two more minutes)
    // sign the call.
    write_token(&token_file, "rotated-wrongly");
    list_tables(&client).expect("the cached keys while they last");
    assert_eq!(server.requests(), 2);
    write_token(&token_file, "token-in-file");
    list_tables(&client).expect("second keys");
    assert_eq!(server.requests(), 3);
    list_tables(&client).expect("third keys");
    list_tables(&client).expect("third keys again");
    assert_eq!(server.requests(), 4);
    let used: Vec<(String, String)> = target.requests().iter().map(signed_with).collect();
    let pair = |n: u32| (format!("AKID{n}"), format!("TOKEN{n}"));
    assert_eq!(used, [pair(1), pair(1), pair(2), pair(3), pair(3)]);
    let _ = std::fs::remove_dir_all(&dir);

    // A wrong token and nothing cached: the call fails before any request.
    let server = CredentialsServer::start(Some("the-right-token"), &[LONG]);
    let target = ScriptedServer::start(vec![Reply::json(200, &json!({}))]);
    set_environment(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &server.url),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "a-wrong-token"),
    ]);
    let client = self::client(&target.endpoint);
    let error = list_tables(&client).expect_err("a refused token");
    assert_eq!(error.kind(), ErrorKind::Credentials, "{error:?}");
    assert!(error.message().contains("HTTP 403"), "{error}");
    let endpoint = server.url.trim_start_matches("http://");
    assert!(error.message().contains(endpoint), "{error}");
    assert!(!error.is_retryable());
    let error = client
        .dynamodb()
        .connect_now(1)
        .expect_err("connect_now fetches too");
    assert_eq!(error.kind(), ErrorKind::Credentials, "{error:?}");
    assert!(target.requests().is_empty());
    assert!(server.keys().is_empty());

    // No token at all: 401.
    set_environment(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &server.url)]);
    let error = list_tables(&self::client(&target.endpoint)).expect_err("no token");
    assert_eq!(error.kind(), ErrorKind::Credentials, "{error:?}");
    assert!(error.message().contains("HTTP 401"), "{error}");

    // Nothing configured: the client cannot be built.
    set_environment(&[]);
    let error = Client::builder()
        .region("us-east-1")
        .build()
        .expect_err("no credentials");
    assert_eq!(error.kind(), ErrorKind::Credentials, "{error:?}");
    assert!(
        error
            .message()
            .contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        "{error}"
    );
}
