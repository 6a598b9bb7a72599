//! A server whose certificate the client does not trust: `SSL_CERT_FILE` names another CA. The
//! call fails with a transport error that names the certificate problem, after a bounded
//! number of connections.
//!
//! The client reads `SSL_CERT_FILE` once per process: this binary has a single test, which sets
//! it before anything else.

mod support;

mod scenarios;

use std::io;
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ruchy_lambda_aws::ErrorKind;
use support::{SigningProxy, TestCa};

/// Passes every connection it accepts on to `upstream`, counting them.
fn counting_relay(upstream: String) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&count);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            counted.fetch_add(1, Ordering::SeqCst);
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            let pipe = |mut from: TcpStream, mut to: TcpStream| {
                std::thread::spawn(move || {
                    let _ = io::copy(&mut from, &mut to);
                    let _ = to.shutdown(Shutdown::Write);
                });
            };
            if let (Ok(c), Ok(s)) = (client.try_clone(), server.try_clone()) {
                pipe(c, server);
                pipe(s, client);
            }
        }
    });
    (port, count)
}

#[test]
fn an_untrusted_certificate_is_a_transport_error_after_bounded_attempts() {
    let ca = TestCa::new();
    let other = TestCa::other();
    // SAFETY: the only test of this binary sets the variable before it starts any thread or
    // process; the harness's main thread only waits for this one.
    unsafe { std::env::set_var("SSL_CERT_FILE", &other.ca_file) };

    // Nothing reaches the upstream: the handshake fails first.
    let unused = format!("http://127.0.0.1:{}", support::free_port());
    let proxy = SigningProxy::start(
        &unused,
        scenarios::ACCESS_KEY,
        scenarios::SECRET_KEY,
        Some(&ca),
    );
    let proxy_port = proxy.endpoint.rsplit(':').next().expect("a port");
    let (port, connections) = counting_relay(format!("127.0.0.1:{proxy_port}"));
    let client = scenarios::client(&format!("https://localhost:{port}"));

    let started = Instant::now();
    let error = client
        .dynamodb()
        .call::<_, serde_json::Value>("ListTables", &serde_json::json!({}))
        .expect_err("an untrusted certificate");
    let took = started.elapsed();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    let mut shown = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        shown.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(
        shown.contains("certificate") && shown.contains("UnknownIssuer"),
        "{shown}"
    );
    assert!(shown.contains(&format!("localhost:{port}")), "{shown}");
    // A refused certificate is refused again: it is not retried.
    assert!(!error.is_retryable(), "{error:?}");
    let attempts = connections.load(Ordering::SeqCst);
    assert_eq!(attempts, 1, "{attempts} connections");
    assert!(took < Duration::from_secs(30), "gave up after {took:?}");
    println!("{attempts} connection(s) in {took:?}: {shown}");

    // The same for a connection opened ahead of time.
    let error = client.dynamodb().connect_now(1).expect_err("untrusted");
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    assert_eq!(proxy.verified(), 0);
}
