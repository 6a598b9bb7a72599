//! A streamed `/response` (`Lambda-Runtime-Function-Response-Mode: streaming`): read piece by
//! piece as it arrives (chunked or with a length), each piece recorded at once, held back for
//! the bandwidth cap, ended by its trailers, and answered.

use crate::headers;
use std::io::BufRead;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use crate::error_report::ErrorReport;
use crate::faults::{self, Fault, Preempted};
use crate::http::{self, ChunkRead, ChunkedReader, Framing, HttpError, Limits, RequestHead};
use crate::invocation::Outcome;
use crate::stream;

use super::conn::ConnReader;
use super::reply::{ACCEPTED_BODY, Reply};
use super::routes::{Route, route};
use super::runtime_api::RuntimeRoute;
use super::state::Rejection;
use super::{Shared, lock};

/// Largest piece of a streamed body read (and published) at once.
const STREAM_PIECE: usize = 64 * 1024;

/// Longest single sleep while holding back a streamed body for the bandwidth cap: the server
/// checks for shutdown in between.
const THROTTLE_STEP: Duration = Duration::from_millis(20);

/// The invocation a `/response` request streams a reply for, when it says
/// `Lambda-Runtime-Function-Response-Mode: streaming`.
pub(super) fn streamed_response(shared: &Shared, head: &RequestHead) -> Option<String> {
    let Route::Runtime(RuntimeRoute::Response(id)) =
        route(&shared.prefix, &head.method, head.path())
    else {
        return None;
    };
    (head.header(headers::RESPONSE_MODE) == Some("streaming")).then(|| id.to_owned())
}

/// Where the body of a streamed `/response` comes from.
enum Source {
    Chunked(ChunkedReader),
    /// A streamed reply with a `Content-Length`: this many bytes left.
    Length(u64),
}

impl Source {
    fn read(
        &mut self,
        reader: &mut ConnReader,
        buf: &mut Vec<u8>,
        max: usize,
        limits: &Limits,
    ) -> Result<ChunkRead, HttpError> {
        match self {
            Source::Chunked(chunked) => chunked.read(reader, buf, max, limits),
            Source::Length(0) => Ok(ChunkRead::End),
            Source::Length(left) => {
                let want = (*left).min(max as u64) as usize;
                let available = reader.fill_buf()?;
                if available.is_empty() {
                    return Err(HttpError::UnexpectedEof);
                }
                let n = want.min(available.len());
                buf.extend_from_slice(&available[..n]);
                reader.consume(n);
                *left -= n as u64;
                Ok(ChunkRead::Data(n))
            }
        }
    }

    fn chunks(&self) -> u64 {
        match self {
            Source::Chunked(chunked) => chunked.chunks(),
            Source::Length(_) => 1,
        }
    }

    fn trailers(&self) -> Vec<(String, String)> {
        match self {
            Source::Chunked(chunked) => chunked.trailers().to_vec(),
            Source::Length(_) => Vec::new(),
        }
    }
}

/// How reading a streamed body ended.
enum StreamEnd {
    /// The last chunk and the trailers arrived.
    Complete,
    /// More bytes than [`super::ServerConfig::max_streamed_bytes`].
    TooLarge,
    /// The body is malformed (a bad chunk size, trailers too large): answered with this error.
    Malformed(HttpError),
    /// The connection ended (or failed) before the last chunk, or the server is stopping.
    Truncated,
    /// The invocation was settled meanwhile (a timeout, a new sandbox).
    Settled,
}

/// Reads a streamed `/response` for invocation `id` piece by piece, recording each piece as it
/// arrives, and answers it. Returns whether the connection may serve another request.
pub(super) fn serve_stream(
    shared: &Shared,
    reader: &mut ConnReader,
    writer: &mut &TcpStream,
    (conn, generation): (u64, u64),
    head: &RequestHead,
    id: &str,
    received_at: Instant,
) -> bool {
    let fault = (shared.config.faults.as_ref()).and_then(|plan| plan.take(head.path()));
    if let Some(fault) = &fault {
        // The body is not read: the connection cannot serve another request.
        if let Preempted::Yes { status, .. } = faults::before_handling(fault, writer, false) {
            lock(&shared.state).log_request(conn, Some(head), status, received_at);
            return false;
        }
    }
    let begun = lock(&shared.state).begin_stream(
        generation,
        id,
        head.header(headers::INVOCATION_ID),
        head.header("content-type").map(str::to_owned),
        received_at,
    );
    shared.changed.notify_all();
    if let Err(rejection) = begun {
        // The body is not read: answer and close.
        let reply = match rejection {
            Rejection::StaleSandbox => Reply::Close,
            other => Reply::of(Err(other), shared.config.max_response_bytes),
        };
        finish_stream(
            shared,
            writer,
            conn,
            head,
            received_at,
            reply,
            fault.as_ref(),
            false,
        );
        return false;
    }
    let mut source = match head.framing {
        Framing::Chunked => Source::Chunked(ChunkedReader::new()),
        Framing::Length(len) => Source::Length(len),
    };
    let bandwidth = shared.config.stream_bandwidth;
    let piece = bandwidth.map_or(STREAM_PIECE, |b| {
        usize::try_from(b.bytes_per_second / 20)
            .unwrap_or(STREAM_PIECE)
            .clamp(1, STREAM_PIECE)
    });
    let max = shared.config.max_streamed_bytes;
    // The streamed limit is enforced here, byte by byte, not by refusing a large chunk.
    let limits = Limits {
        body_discard: u64::MAX,
        ..shared.limits
    };
    let mut buf = Vec::with_capacity(piece);
    let end = loop {
        buf.clear();
        let n = match source.read(reader, &mut buf, piece, &limits) {
            Ok(ChunkRead::Data(n)) => n,
            Ok(ChunkRead::End) => break StreamEnd::Complete,
            Err(e) if e.status().is_none() => break StreamEnd::Truncated,
            Err(e) => break StreamEnd::Malformed(e),
        };
        let now = Instant::now();
        let mut st = lock(&shared.state);
        let Some(stream) = st.open_stream(id) else {
            break StreamEnd::Settled;
        };
        let room = usize::try_from(max.saturating_sub(stream.bytes)).unwrap_or(usize::MAX);
        let kept = n.min(room);
        stream.body.extend_from_slice(&buf[..kept]);
        stream.bytes += kept as u64;
        stream.chunks = source.chunks();
        if kept > 0 {
            stream.first_byte_at.get_or_insert(now);
            stream.last_byte_at = Some(now);
        }
        if n > room {
            break StreamEnd::TooLarge;
        }
        let mut release = None;
        if let Some(bw) = bandwidth {
            if stream.bytes > bw.burst_bytes {
                let burst_end = *stream.burst_ended_at.get_or_insert(now);
                stream.capped_bytes = stream.bytes - bw.burst_bytes;
                release = Some(bw.release_at(burst_end, stream.bytes)).filter(|&at| at > now);
            }
        }
        drop(st);
        shared.changed.notify_all();
        if let Some(until) = release {
            let started = Instant::now();
            let went_on = hold_back(shared, generation, until);
            let mut st = lock(&shared.state);
            if let Some(stream) = st.open_stream(id) {
                stream.throttle_waits += 1;
                stream.throttled_for += started.elapsed();
            }
            if !went_on {
                break StreamEnd::Truncated;
            }
        }
    };
    let now = Instant::now();
    let error = |error_type: &str, message: String| {
        Outcome::Failed(ErrorReport::lambda(Some(error_type), &message))
    };
    let (outcome, reply, keep) = match end {
        StreamEnd::Complete => {
            let trailers = source.trailers();
            let mut st = lock(&shared.state);
            let outcome = st.open_stream(id).map(|stream| {
                stream.trailers = trailers;
                stream
                    .trailer_error()
                    .map_or(Outcome::Response(Vec::new()), Outcome::Error)
            });
            drop(st);
            let reply = Reply::json(202, ACCEPTED_BODY.to_vec());
            (outcome, reply, head.keep_alive())
        }
        StreamEnd::TooLarge => {
            let message = format!(
                "Response payload size exceeded maximum allowed payload size ({max} bytes)."
            );
            let reply = Reply::error(413, "RequestEntityTooLarge", &message);
            (Some(error(stream::ERROR_TOO_LARGE, message)), reply, false)
        }
        StreamEnd::Malformed(e) => {
            let message = format!("RequestId: {id} Error: malformed streamed response: {e}");
            let reply = Reply::error(400, "InvalidRequest", &e.to_string());
            (Some(error(stream::ERROR_TRUNCATED, message)), reply, false)
        }
        StreamEnd::Truncated => {
            let message = format!(
                "RequestId: {id} Error: the runtime's connection ended before the end of the streamed response"
            );
            (
                Some(error(stream::ERROR_TRUNCATED, message)),
                Reply::Close,
                false,
            )
        }
        StreamEnd::Settled => {
            let message = format!("Invocation {id} is no longer in progress");
            (None, Reply::error(410, "InvocationGone", &message), false)
        }
    };
    let settled = outcome.is_some_and(|o| lock(&shared.state).end_stream(id, o, now));
    if !settled {
        // Settled meanwhile (a timeout): the stream still ends here.
        lock(&shared.state).end_stream(id, Outcome::Abandoned, now);
    }
    shared.changed.notify_all();
    finish_stream(
        shared,
        writer,
        conn,
        head,
        received_at,
        reply,
        fault.as_ref(),
        keep,
    )
}

/// Sleeps until `until`, in short steps; `false` if the server stops or the sandbox is replaced
/// meanwhile.
fn hold_back(shared: &Shared, generation: u64, until: Instant) -> bool {
    loop {
        let now = Instant::now();
        if now >= until {
            return true;
        }
        {
            let st = lock(&shared.state);
            if st.shutdown || st.generation != generation {
                return false;
            }
        }
        thread::sleep((until - now).min(THROTTLE_STEP));
    }
}

/// Logs a streamed `/response` and writes its answer; whether the connection stays open.
#[allow(clippy::too_many_arguments)]
fn finish_stream(
    shared: &Shared,
    writer: &mut &TcpStream,
    conn: u64,
    head: &RequestHead,
    received_at: Instant,
    reply: Reply,
    fault: Option<&Fault>,
    keep_alive: bool,
) -> bool {
    let Reply::Send {
        status,
        headers,
        body,
        ..
    } = reply
    else {
        lock(&shared.state).log_request(conn, Some(head), None, received_at);
        return false;
    };
    lock(&shared.state).log_request(conn, Some(head), Some(status), received_at);
    shared.changed.notify_all();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    match fault {
        None => http::write_response(
            writer,
            status,
            Some("application/json"),
            &headers,
            &body,
            !keep_alive,
        )
        .is_ok_and(|()| keep_alive),
        Some(fault) => faults::write_response(fault, writer, status, &headers, &body, !keep_alive)
            .unwrap_or(false),
    }
}
