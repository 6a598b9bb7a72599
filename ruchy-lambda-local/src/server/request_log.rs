//! What the server keeps of the requests and connections it served: the request log
//! ([`RequestLogEntry`]) and, when asked, every request's bytes ([`RawRequest`]).

use std::time::Instant;

use super::{RuntimeApiServer, lock};

// For the links in the docs.
#[cfg(doc)]
use super::ServerConfig;

/// One HTTP request the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLogEntry {
    /// The connection it came on, numbered from 1 in accept order.
    pub connection: u64,
    /// The method, or empty when the request line could not be read.
    pub method: String,
    /// The request target as sent (path and query), or empty when it could not be read.
    pub target: String,
    /// The status answered, or `None` when the connection was closed without an answer (a
    /// `/next` cut short by shutdown or by a sandbox reset).
    pub status: Option<u16>,
    /// When the request's header section had been read.
    pub received_at: Instant,
    /// The `Lambda-Runtime-Invocation-Id` header the request carried, if any.
    pub invocation_id: Option<String>,
}

/// The bytes of one request as they came off the connection (see
/// [`ServerConfig::capture_raw_requests`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// The connection it came on, numbered from 1 in accept order.
    pub connection: u64,
    /// The request target, or empty when the request line could not be read.
    pub target: String,
    /// Every byte read for it, up to where reading stopped (the end of the request, an error, or
    /// a lost connection).
    pub bytes: Vec<u8>,
}

impl RuntimeApiServer {
    /// Every request received, in the order answered (a `/next` is logged when it is answered).
    pub fn request_log(&self) -> Vec<RequestLogEntry> {
        lock(&self.shared.state).log.clone()
    }

    /// The raw bytes of every request read so far, in the order finished, when
    /// [`ServerConfig::capture_raw_requests`] is on.
    pub fn raw_requests(&self) -> Vec<RawRequest> {
        lock(&self.shared.state).raw.clone()
    }

    /// Connections accepted since the server started.
    pub fn connections_accepted(&self) -> u64 {
        lock(&self.shared.state).connections_accepted
    }

    /// Connections currently open.
    pub fn open_connections(&self) -> usize {
        lock(&self.shared.state).open.len()
    }
}
