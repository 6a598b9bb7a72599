//! The client over HTTPS: moto behind the signing proxy with a certificate of the test's own
//! CA, which the client trusts through `SSL_CERT_FILE`.
//!
//! The client reads `SSL_CERT_FILE` once per process: this binary has a single test, which sets
//! it before anything else.

mod support;

mod scenarios;

use support::{Moto, SigningProxy, TestCa};

#[test]
fn dynamodb_sqs_and_s3_over_https_trusting_ssl_cert_file() {
    let ca = TestCa::new();
    // SAFETY: the only test of this binary sets the variable before it starts any thread or
    // process; the harness's main thread only waits for this one.
    unsafe { std::env::set_var("SSL_CERT_FILE", &ca.ca_file) };

    let moto = Moto::start();
    let proxy = SigningProxy::start(
        &moto.endpoint,
        scenarios::ACCESS_KEY,
        scenarios::SECRET_KEY,
        Some(&ca),
    );
    assert!(proxy.endpoint.starts_with("https://localhost:"));
    // `localhost` is a host name: the buckets would go in it (`bucket.localhost`).
    let client = scenarios::builder(&proxy.endpoint)
        .force_path_style(true)
        .build()
        .expect("a client");

    // Two connections opened ahead, TLS handshakes included, before any request.
    client
        .dynamodb()
        .connect_now(2)
        .expect("connect_now over TLS");
    let mut sent = scenarios::dynamodb_items(&client, "orders");
    sent += scenarios::sqs_queue(&client);
    scenarios::create_bucket(&moto.endpoint, "secure");
    sent += scenarios::s3_keys(&client, "secure");
    sent += scenarios::s3_pages(&client, "secure");
    sent += scenarios::s3_large_bodies(&client, "secure");
    scenarios::assert_all_verified(&proxy, sent);
}
