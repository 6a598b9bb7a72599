//! ruchy-lambda-aws's `metadata::availability_zone_id` against the Runtime API server's
//! metadata endpoint, found as a function finds it: in `AWS_LAMBDA_METADATA_API` and
//! `AWS_LAMBDA_METADATA_TOKEN`.
//!
//! These variables are the process's, and the client caches the answer for the process: this
//! binary has a single test.

use ruchy_lambda_aws::{ErrorKind, metadata};
use ruchy_lambda_local::{RuntimeApiServer, ServerConfig};

const PATH: &str = "/2026-01-15/metadata/execution-environment";

fn set(name: &str, value: &str) {
    // SAFETY: this binary's only test is the one thread that reads or writes the environment:
    // the harness's main thread only waits for it, and the server's threads accept, read and
    // write sockets without reading it.
    unsafe { std::env::set_var(name, value) };
}

#[test]
fn the_availability_zone_id_from_the_metadata_endpoint() {
    let server = RuntimeApiServer::start(ServerConfig::default()).expect("a server");
    let metadata_requests = || {
        server
            .request_log()
            .into_iter()
            .filter(|r| r.target == PATH)
            .map(|r| (r.method, r.status))
            .collect::<Vec<_>>()
    };

    // SAFETY: see `set`.
    unsafe { std::env::remove_var("AWS_LAMBDA_METADATA_API") };
    let error = metadata::availability_zone_id().expect_err("no endpoint");
    assert_eq!(error.kind(), ErrorKind::Config, "{error:?}");
    assert!(
        error.message().contains("AWS_LAMBDA_METADATA_API"),
        "{error}"
    );

    set("AWS_LAMBDA_METADATA_API", &server.metadata_api());
    set("AWS_LAMBDA_METADATA_TOKEN", "not-the-token");
    let error = metadata::availability_zone_id().expect_err("a wrong token");
    assert_eq!(error.kind(), ErrorKind::Service, "{error:?}");
    assert_eq!(error.status(), Some(401));
    assert!(error.message().contains("Unauthorized"), "{error}");

    set("AWS_LAMBDA_METADATA_TOKEN", server.metadata_token());
    assert_eq!(
        metadata::availability_zone_id().expect("the zone"),
        "use1-az1"
    );
    // Kept for the answer's max-age (12 hours): no second request.
    assert_eq!(
        metadata::execution_environment()
            .expect("the cached answer")
            .availability_zone_id,
        "use1-az1"
    );
    assert_eq!(
        metadata_requests(),
        [("GET".to_owned(), Some(401)), ("GET".to_owned(), Some(200))]
    );
}
