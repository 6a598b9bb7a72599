//! A small HTTP/1.1 client (one request per connection, rustls for `https://`) and the request
//! reader the kit's servers share.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The header fields, in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The body as UTF-8 (lossy), for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The first value of the header `name` (any case) in `headers`.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `http://HOST:PORT` or `https://HOST:PORT` split into (tls, host, port).
pub fn split_endpoint(endpoint: &str) -> (bool, String, u16) {
    let (tls, rest) = if let Some(rest) = endpoint.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = endpoint.strip_prefix("http://") {
        (false, rest)
    } else {
        panic!("not an http:// or https:// endpoint: {endpoint:?}")
    };
    let authority = rest.trim_end_matches('/');
    let (host, port) = authority
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("no port in {endpoint:?}"));
    let port = port
        .parse()
        .unwrap_or_else(|_| panic!("bad port in {endpoint:?}"));
    (tls, host.to_string(), port)
}

/// A rustls client configuration (ring) that trusts the PEM certificates in `ca_file` only.
pub fn client_config(ca_file: &Path) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", ca_file.display()))
    {
        let cert = cert.unwrap_or_else(|e| panic!("bad PEM in {}: {e}", ca_file.display()));
        roots.add(cert).expect("a CA certificate rustls accepts");
    }
    // ring, as the crate's own rustls (deprecated by rustls for lacking post-quantum key
    // exchange, which a loopback test does not need). Named, not the process default: another
    // workspace member may turn on aws-lc-rs too, and then there is no single default.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// Sends one request to `endpoint` (`http://…` or `https://…`, whose CA must then be given) on
/// a new connection with `Connection: close`, and reads the answer. `Host` (from the endpoint)
/// and `Content-Length` are added unless `headers` has them.
pub fn request(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    ca_file: Option<&Path>,
) -> io::Result<Response> {
    let (tls, host, port) = split_endpoint(endpoint);
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    if header_in(headers, "host").is_none() {
        head.push_str(&format!("Host: {host}:{port}\r\n"));
    }
    if header_in(headers, "content-length").is_none()
        && header_in(headers, "transfer-encoding").is_none()
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("Connection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);

    let tcp = TcpStream::connect((host.as_str(), port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(60)))?;
    tcp.set_write_timeout(Some(Duration::from_secs(60)))?;
    if tls {
        let ca_file = ca_file.unwrap_or_else(|| panic!("{endpoint} is HTTPS: give its CA file"));
        let name = ServerName::try_from(host.clone()).expect("a valid server name");
        let connection = rustls::ClientConnection::new(client_config(ca_file), name)
            .map_err(io::Error::other)?;
        let mut stream = rustls::StreamOwned::new(connection, tcp);
        stream.write_all(&bytes)?;
        stream.flush()?;
        read_response(&mut BufReader::new(stream), method)
    } else {
        let mut stream = tcp;
        stream.write_all(&bytes)?;
        read_response(&mut BufReader::new(stream), method)
    }
}

fn header_in<'a>(headers: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// Reads one answer (to a request with `method`) from `reader`.
pub fn read_response(reader: &mut impl BufRead, method: &str) -> io::Result<Response> {
    let status_line = read_line(reader)?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("not an HTTP status line: {status_line:?}")))?;
    let headers = read_headers(reader)?;
    let body = if method == "HEAD" || status == 204 || status == 304 || status / 100 == 1 {
        Vec::new()
    } else {
        match read_body(reader, &headers)? {
            Some(body) => body,
            None => {
                let mut body = Vec::new();
                reader.read_to_end(&mut body)?;
                body
            }
        }
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// One line without its CRLF; an error at the end of the stream.
fn read_line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    if reader.read_until(b'\n', &mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection ended",
        ));
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn read_headers(reader: &mut impl BufRead) -> io::Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            return Ok(headers);
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| io::Error::other(format!("not a header line: {line:?}")))?;
        headers.push((name.to_string(), value.trim().to_string()));
    }
}

/// The body framed by `Content-Length` or chunked `Transfer-Encoding`; `None` when neither is
/// given (the body then runs to the end of the stream, for a response).
fn read_body(
    reader: &mut impl BufRead,
    headers: &[(String, String)],
) -> io::Result<Option<Vec<u8>>> {
    if header(headers, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        loop {
            let line = read_line(reader)?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| io::Error::other(format!("bad chunk size line {line:?}")))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !read_line(reader)?.is_empty() {}
                return Ok(Some(body));
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            read_line(reader)?;
        }
    }
    match header(headers, "content-length") {
        Some(length) => {
            let length: usize = length
                .parse()
                .map_err(|_| io::Error::other(format!("bad Content-Length {length:?}")))?;
            let mut body = vec![0; length];
            reader.read_exact(&mut body)?;
            Ok(Some(body))
        }
        None => Ok(None),
    }
}

/// A request as a server of the kit read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target as sent: path and query.
    pub path: String,
    /// The header fields, in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// Reads one request; `Ok(None)` when the connection ends cleanly before one begins.
pub fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Recorded>> {
    if reader.fill_buf()?.is_empty() {
        return Ok(None);
    }
    let line = read_line(reader)?;
    let mut parts = line.split(' ');
    let (Some(method), Some(path), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(io::Error::other(format!("not a request line: {line:?}")));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(io::Error::other(format!("not HTTP/1.x: {line:?}")));
    }
    let headers = read_headers(reader)?;
    let body = read_body(reader, &headers)?.unwrap_or_default();
    Ok(Some(Recorded {
        method: method.to_string(),
        path: path.to_string(),
        headers,
        body,
    }))
}

/// Writes an answer with `Content-Length` (unless `headers` has one).
pub fn write_response(
    stream: &mut impl Write,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> io::Result<()> {
    stream.write_all(&response_head(status, headers, body.len()))?;
    stream.write_all(body)?;
    stream.flush()
}

/// The status line and header section of an answer whose body is `length` bytes long.
pub fn response_head(status: u16, headers: &[(String, String)], length: usize) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if header(headers, "content-length").is_none() {
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
