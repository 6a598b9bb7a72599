//! How the Runtime API server behaves: [`ServerConfig`] and its defaults.

use std::net::SocketAddr;
use std::time::Duration;

use crate::faults::FaultPlan;
use crate::http;
use crate::stream::{MAX_STREAMED_BYTES, StreamBandwidth};

// For the links in the docs.
#[cfg(doc)]
use {super::RuntimeApiServer, crate::invocation::Outcome};

/// The largest reply Lambda accepts for a buffered (not streamed) invocation: 6 MB.
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// How the Runtime API server behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Address to listen on; default `127.0.0.1:0` (a free port).
    pub addr: SocketAddr,
    /// Serve the API under this prefix, e.g. `/some/prefix` (as cargo-lambda does); default empty.
    pub path_prefix: String,
    /// The function's name, used in `Lambda-Runtime-Invoked-Function-Arn`.
    pub function_name: String,
    /// Region in the function ARN; default `us-east-1`.
    pub region: String,
    /// Account in the function ARN; default `012345678912`.
    pub account_id: String,
    /// The function timeout: `Lambda-Runtime-Deadline-Ms` is hand-out time plus this.
    pub timeout: Duration,
    /// Largest reply accepted by `/response` (and error bodies); larger ones get 413.
    pub max_response_bytes: usize,
    /// Cap on a request's line plus header section.
    pub max_head_bytes: usize,
    /// Scripted misbehaviour, for testing how a runtime copes (see [`FaultPlan`]); default
    /// `None`: the server behaves.
    pub faults: Option<FaultPlan>,
    /// How many invocations may be in flight (handed out, not finished) at once, as
    /// `AWS_LAMBDA_MAX_CONCURRENCY` on Lambda Managed Instances; default 1 (0 counts as 1).
    ///
    /// With 1, a runtime that asks for `/next` again without answering abandons the invocation
    /// it holds ([`Outcome::Abandoned`]), as Lambda does. With N > 1, up to N `/next` requests
    /// (each on its own connection) get events at once, further ones wait until one of the N is
    /// finished, and a `/next` abandons nothing.
    pub max_concurrency: usize,
    /// Send `Lambda-Runtime-Invocation-Id` (a fresh id per hand-out) with every event; default
    /// `true`. Off, a test can check that a runtime does not echo an id it was never sent.
    pub send_invocation_id: bool,
    /// Largest streamed reply passed on; default [`MAX_STREAMED_BYTES`] (200 MiB). Past it the
    /// invocation fails with `Function.ResponseSizeTooLarge`, keeping the bytes up to the limit,
    /// and the runtime gets `413`.
    pub max_streamed_bytes: u64,
    /// The bandwidth cap on streamed replies, reproduced by reading them more slowly; default
    /// `None` (read at full speed). [`StreamBandwidth::LAMBDA`] is Lambda's.
    pub stream_bandwidth: Option<StreamBandwidth>,
    /// Keep the raw bytes of every request as read from the connection (request line, headers,
    /// body with its chunk framing and trailers), for [`RuntimeApiServer::raw_requests`];
    /// default `false`.
    pub capture_raw_requests: bool,
    /// SnapStart: serve `/runtime/restore/next` and `/runtime/restore/error` (else they are
    /// `404`); default `false`.
    pub snap_start: bool,
    /// What the metadata endpoint reports as `AvailabilityZoneID`, e.g. `use1-az2`; default
    /// `None`: the region's first zone (see [`ServerConfig::effective_availability_zone_id`]).
    pub availability_zone_id: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            path_prefix: String::new(),
            function_name: "test_function".to_owned(),
            region: "us-east-1".to_owned(),
            account_id: "012345678912".to_owned(),
            timeout: Duration::from_secs(3),
            max_response_bytes: MAX_RESPONSE_BYTES,
            max_head_bytes: http::DEFAULT_MAX_HEAD_BYTES,
            faults: None,
            max_concurrency: 1,
            send_invocation_id: true,
            max_streamed_bytes: MAX_STREAMED_BYTES,
            stream_bandwidth: None,
            capture_raw_requests: false,
            snap_start: false,
            availability_zone_id: None,
        }
    }
}

impl ServerConfig {
    /// The function ARN sent in `Lambda-Runtime-Invoked-Function-Arn`.
    pub fn function_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account_id, self.function_name
        )
    }
}
