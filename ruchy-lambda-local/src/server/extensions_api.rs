//! The Extensions API (version 2020-01-01), under `/2020-01-01/extension/` on the same host and
//! port: its routes, and its endpoints — `/register` and `/event/next`.

use crate::headers;
use std::time::Instant;

use crate::http::{Body, RequestHead};

use super::dispatch::Incoming;
use super::lifecycle::Refusal;
use super::reply::Reply;
use super::state::Rejection;
use super::{Shared, lock};

/// The Extensions API's base path, under the prefix.
pub(super) const BASE: &str = "/2020-01-01/extension/";

/// An Extensions API endpoint.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ExtensionRoute {
    /// `POST /2020-01-01/extension/register`.
    Register,
    /// `GET /2020-01-01/extension/event/next`.
    EventNext,
}

/// The endpoint for `rest`, the path under [`BASE`], and the method it takes.
pub(super) fn route(rest: &str) -> Option<(ExtensionRoute, &'static str)> {
    match rest {
        "register" => Some((ExtensionRoute::Register, "POST")),
        "event/next" => Some((ExtensionRoute::EventNext, "GET")),
        _ => None,
    }
}

impl Reply {
    /// An Extensions API refusal: `403` with its error type and message.
    fn refused(refusal: &Refusal) -> Reply {
        Reply::error(403, refusal.error_type, &refusal.message)
    }
}

impl Shared {
    /// Handles an Extensions API request.
    pub(super) fn extensions_api(
        &self,
        route: ExtensionRoute,
        request: &Incoming<'_>,
        body: Body,
    ) -> Reply {
        let &Incoming {
            conn,
            generation,
            head,
            received_at,
        } = request;
        match route {
            ExtensionRoute::Register => {
                self.answer_locked(request, |st| self.register(st, generation, head, body))
            }
            ExtensionRoute::EventNext => self.extension_next(conn, generation, head, received_at),
        }
    }

    /// `POST /extension/register`, under the state lock.
    fn register(
        &self,
        st: &mut super::state::State,
        generation: u64,
        head: &RequestHead,
        body: Body,
    ) -> Reply {
        if st.shutdown || st.generation != generation {
            return Reply::Close;
        }
        let body = match body {
            Body::Complete(bytes) => bytes,
            Body::Oversize { len } => {
                return Reply::of(
                    Err(Rejection::TooLarge(len)),
                    self.config.max_response_bytes,
                );
            }
        };
        let registered = st.extensions.register(
            head.header(headers::EXTENSION_NAME),
            &body,
            &self.config.function_name,
            Instant::now(),
        );
        match registered {
            Ok((id, body)) => Reply::Send {
                status: 200,
                headers: vec![(headers::EXTENSION_IDENTIFIER, id)],
                body,
                handed_out: None,
            },
            Err(refusal) => Reply::refused(&refusal),
        }
    }

    /// `GET /extension/event/next`: waits until an event is queued for the extension.
    fn extension_next(
        &self,
        conn: u64,
        generation: u64,
        head: &RequestHead,
        received_at: Instant,
    ) -> Reply {
        let id = head.header(headers::EXTENSION_IDENTIFIER);
        let mut st = lock(&self.state);
        if st.shutdown || st.generation != generation {
            st.log_request(conn, Some(head), None, received_at);
            return Reply::Close;
        }
        match st.extensions.find(id) {
            Ok(extension) => extension.info.ready = true,
            Err(refusal) => {
                let reply = Reply::refused(&refusal);
                st.log_request(conn, Some(head), reply.status(), received_at);
                drop(st);
                self.changed.notify_all();
                return reply;
            }
        }
        self.changed.notify_all();
        loop {
            if st.shutdown || st.generation != generation {
                st.log_request(conn, Some(head), None, received_at);
                return Reply::Close;
            }
            let event = match st.extensions.find(id) {
                Ok(extension) => extension
                    .take()
                    .map(|e| (e, extension.info.name.clone(), extension.info.id.clone())),
                Err(_) => None,
            };
            if let Some((event, extension, extension_id)) = event {
                st.extension_events.push(super::lifecycle::DeliveredEvent {
                    extension,
                    extension_id,
                    body: String::from_utf8_lossy(&event).into_owned(),
                    at: Instant::now(),
                });
                st.log_request(conn, Some(head), Some(200), received_at);
                drop(st);
                self.changed.notify_all();
                return Reply::Send {
                    status: 200,
                    headers: vec![(
                        headers::EXTENSION_EVENT_IDENTIFIER,
                        crate::ids::request_id(),
                    )],
                    body: event,
                    handed_out: None,
                };
            }
            st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }
}
