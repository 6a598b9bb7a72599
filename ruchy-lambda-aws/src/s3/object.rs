//! An object's body read as it arrives, on a connection of its own.

use std::io::{self, Read};

use ruchy_lambda_runtime_core::http::Response;

use crate::client::{Client, Request};
use crate::endpoint::{Endpoint, Service};
use crate::error::{Error, ErrorKind};
use crate::transport::Connection;

/// Error bodies read whole: S3's are a few hundred bytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// An object's metadata: what `HeadObject` gives, and `GetObject` before the body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectHead {
    /// The body's size in bytes.
    pub content_length: Option<u64>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// The ETag, quotes included as S3 sends it.
    pub etag: Option<String>,
    /// `Last-Modified`, as S3 sends it (an HTTP date).
    pub last_modified: Option<String>,
    /// The user's metadata (`x-amz-meta-*` headers), names without the prefix.
    pub metadata: Vec<(String, String)>,
}

impl ObjectHead {
    pub(crate) fn from_response(resp: &Response<'_>) -> ObjectHead {
        let text = |name: &str| resp.header(name).map(str::to_owned);
        let metadata = resp
            .headers()
            .filter_map(|(n, v)| {
                let n = std::str::from_utf8(n).ok()?;
                n.get(..11)?.eq_ignore_ascii_case("x-amz-meta-").then(|| {
                    (
                        n[11..].to_ascii_lowercase(),
                        String::from_utf8_lossy(v).into_owned(),
                    )
                })
            })
            .collect();
        ObjectHead {
            content_length: resp
                .header("content-length")
                .and_then(|v| v.trim().parse().ok()),
            content_type: text("content-type"),
            etag: text("etag"),
            last_modified: text("last-modified"),
            metadata,
        }
    }
}

/// An S3 object: its [`head`](Self::head), and its body as [`Read`].
///
/// The body is read from the connection as it arrives: a large object never needs to fit in
/// memory. The connection goes back to the client's pool once the body is read to its end;
/// dropping an `Object` before that closes it.
#[derive(Debug)]
pub struct Object {
    /// The object's metadata.
    pub head: ObjectHead,
    conn: Option<Connection>,
    /// A read failed: the body is cut, and every later read says so too.
    failed: bool,
    client: Client,
    endpoint: Endpoint,
}

impl Object {
    /// The whole body.
    pub fn bytes(mut self) -> Result<Vec<u8>, Error> {
        let mut body =
            Vec::with_capacity(self.head.content_length.unwrap_or(0).min(1 << 26) as usize);
        self.read_to_end(&mut body)
            .map_err(|e| Error::transport("reading the object's body", e).not_retryable())?;
        Ok(body)
    }

    /// The whole body as UTF-8 text.
    pub fn text(self) -> Result<String, Error> {
        String::from_utf8(self.bytes()?).map_err(|e| {
            Error::new(ErrorKind::Response, "the object's body is not UTF-8").with_source(e)
        })
    }
}

impl Read for Object {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(conn) = &mut self.conn else {
            if self.failed {
                return Err(io::Error::other(
                    "the object's body was cut short by an earlier error",
                ));
            }
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        match conn.read_body(buf) {
            Ok(0) => {
                if let Some(conn) = self.conn.take() {
                    self.client.inner.pool.put(&self.endpoint, conn);
                }
                Ok(0)
            }
            Ok(n) => Ok(n),
            Err(e) => {
                self.conn = None;
                self.failed = true;
                Err(io::Error::other(e))
            }
        }
    }
}

/// One attempt of `GetObject`: the status line and headers, the body left on the connection.
pub(crate) fn get(
    client: &Client,
    endpoint: &Endpoint,
    request: &Request<'_>,
) -> Result<Object, Error> {
    let prepared = client.prepare(&Service::S3, endpoint, request)?;
    let mut conn = client.inner.pool.take(endpoint)?;
    let (status, head, error) = match conn.request_streaming(
        request.method,
        &prepared.path_and_query,
        &prepared.headers(),
        request.body,
    ) {
        Ok(resp) if (200..300).contains(&resp.status) => {
            (resp.status, ObjectHead::from_response(&resp), None)
        }
        Ok(resp) => {
            let status = resp.status;
            let id = crate::client::request_id(&resp);
            (status, ObjectHead::default(), Some(id))
        }
        Err(e) => return Err(prepared.failed(request, endpoint, e)),
    };
    if let Some(id) = error {
        // Read the (small) error body whole, then make the error from it.
        let mut body = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match conn.read_body(&mut chunk) {
                Ok(0) => break,
                Ok(n) if body.len() + n <= MAX_ERROR_BODY => body.extend_from_slice(&chunk[..n]),
                Ok(_) | Err(_) => {
                    conn.disconnect();
                    break;
                }
            }
        }
        client.inner.pool.put(endpoint, conn);
        let error = match super::xml::parse_error(&body) {
            Some(b) => Error::service(
                status,
                Some(b.code),
                b.message.unwrap_or_default(),
                id.or(b.request_id),
            ),
            None => Error::service(
                status,
                (status == 404).then(|| "NoSuchKey".to_owned()),
                String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned(),
                id,
            ),
        };
        return Err(error);
    }
    Ok(Object {
        head,
        conn: Some(conn),
        failed: false,
        client: client.clone(),
        endpoint: endpoint.clone(),
    })
}
