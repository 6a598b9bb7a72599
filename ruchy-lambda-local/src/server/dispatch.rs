//! A request, routed ([`route`]), to the endpoints of its API family, and logged.

use crate::error_report::ErrorReport;
use std::net::TcpStream;
use std::time::Instant;

use crate::http::{Body, RequestHead};

use super::reply::Reply;
use super::routes::{Route, route};
use super::state::State;
use super::{Shared, lock};

/// A request read on a connection, as the endpoints see it (the body aside).
pub(super) struct Incoming<'a> {
    /// The connection, numbered from 1 in accept order.
    pub(super) conn: u64,
    /// The sandbox generation the connection belongs to.
    pub(super) generation: u64,
    /// Its request line and headers.
    pub(super) head: &'a RequestHead,
    /// When its header section had been read.
    pub(super) received_at: Instant,
}

impl Shared {
    /// Handles one request read on connection `conn` of sandbox `generation`, and logs it.
    pub(super) fn handle(
        &self,
        conn: u64,
        generation: u64,
        head: &RequestHead,
        body: Body,
        received_at: Instant,
        stream: &TcpStream,
    ) -> Reply {
        let request = Incoming {
            conn,
            generation,
            head,
            received_at,
        };
        match route(&self.prefix, &head.method, head.path()) {
            Route::Runtime(route) => self.runtime_api(route, &request, body, stream),
            Route::Extension(route) => self.extensions_api(route, &request, body),
            Route::Metadata(route) => self.metadata_api(route, &request),
            Route::WrongMethod(allowed) => self.answer_locked(&request, |_| Reply::Send {
                status: 405,
                headers: vec![("Allow", allowed.to_owned())],
                body: ErrorReport::lambda(Some("MethodNotAllowed"), "Method not allowed").body,
                handed_out: None,
            }),
            Route::NotFound => self.answer_locked(&request, |_| Reply::not_found()),
        }
    }

    /// Applies a request that does not wait to the state, and logs it with the reply.
    pub(super) fn answer_locked(
        &self,
        request: &Incoming<'_>,
        apply: impl FnOnce(&mut State) -> Reply,
    ) -> Reply {
        // The state change and its log entry are made under one lock, so that whoever sees the
        // one sees the other.
        let mut st = lock(&self.state);
        let reply = apply(&mut st);
        st.log_request(
            request.conn,
            Some(request.head),
            reply.status(),
            request.received_at,
        );
        drop(st);
        self.changed.notify_all();
        reply
    }
}
