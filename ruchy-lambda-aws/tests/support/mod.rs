//! The integration tests' kit: real servers on loopback, each stopped when dropped.
//!
//! - [`Moto`]: moto's server, a real implementation of AWS's APIs, over plain HTTP.
//! - [`TestCa`]: a throw-away CA and a server certificate for `localhost` and `127.0.0.1`.
//! - [`SigningProxy`]: checks every request's SigV4 signature with botocore (not with the
//!   `aws-sigv4` crate the client signs with), then passes it on to moto; over HTTP or HTTPS.
//! - [`CredentialsServer`]: the container credentials endpoint of Lambda and ECS.
//! - [`ScriptedServer`]: answers requests from a script, including broken answers.
//! - [`http`]: a one-request HTTP/1.1 client (rustls for HTTPS) for tests and the kit itself.
//!
//! A test file includes it with `mod support;`.

// Each test file uses only part of the kit.
#![allow(dead_code, unused_imports)]

pub mod credentials;
pub mod http;
pub mod moto;
pub mod scripted;
pub mod signing_proxy;
pub mod tls;

pub use credentials::CredentialsServer;
pub use http::Recorded;
pub use moto::Moto;
pub use scripted::{Reply, ScriptedServer};
pub use signing_proxy::SigningProxy;
pub use tls::TestCa;

use std::net::{Ipv4Addr, TcpListener};
use std::time::{Duration, Instant};

/// A loopback port that was free a moment ago (the listener that found it is closed again).
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Polls `condition` every 20 ms until it holds (`true`) or `within` has passed (`false`).
/// The condition is tried once more at the end, so a slow machine gets the whole time.
pub fn wait_until(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return condition();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How long a test waits for a process to start, or for a server to answer: long enough for a
/// loaded machine.
pub const START_DEADLINE: Duration = Duration::from_secs(60);
