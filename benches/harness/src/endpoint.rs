//! The blocking AWS client section's DynamoDB endpoint: an HTTPS server on loopback that answers
//! `GetItem` with one fixed item, within microseconds, so that an invocation's time is the
//! client's and the runtime's, not a server's (moto takes milliseconds per request).
//!
//! HTTP/1.1 with keep-alive, one thread per connection, TLS on rustls (*ring*) with a certificate
//! for `localhost` and `127.0.0.1` signed by a throw-away CA made at start (rcgen), whose PEM file
//! the functions are told to trust (`SSL_CERT_FILE`). Every request is checked: `POST /`, a SigV4
//! `Authorization` (`AWS4-HMAC-SHA256`, DynamoDB's credential scope), `X-Amz-Target:
//! DynamoDB_20120810.GetItem`, DynamoDB's JSON content type, and a body asking for the expected
//! table and key. A request that fails a check gets a DynamoDB `ValidationException` (so the
//! invocation fails, and the harness with it) and is recorded. `Expect: 100-continue` gets its
//! `100 Continue`; a body must have a `Content-Length`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// The operation every request must be.
pub const TARGET: &str = "DynamoDB_20120810.GetItem";
/// DynamoDB's request and response content type.
const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// The most a request head may take, and its body.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1024 * 1024;

/// What a request must ask for, and the item to answer with.
#[derive(Debug, Clone)]
pub struct Expected {
    /// `TableName`.
    pub table: String,
    /// `Key`, DynamoDB JSON.
    pub key: serde_json::Value,
    /// The item, DynamoDB JSON (the reply is `{"Item":…}`).
    pub item: String,
}

/// The endpoint, serving on a free loopback port until dropped; its CA file is removed then.
pub struct Endpoint {
    port: u16,
    dir: PathBuf,
    ca_file: PathBuf,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

/// What the endpoint saw.
#[derive(Debug, Default, Clone)]
pub struct Served {
    /// TLS connections accepted.
    pub connections: usize,
    /// TCP connection accepted → first byte of its TLS `ClientHello`, each: the time the client
    /// spends between connecting and starting its handshake.
    pub hellos: Vec<Duration>,
    /// Requests answered with the item: request read → reply written, each.
    pub answered: Vec<Duration>,
    /// Requests refused, with why (the first few).
    pub refused: Vec<String>,
    /// How many were refused.
    pub refused_count: usize,
}

struct Shared {
    expected: Expected,
    tls: Arc<ServerConfig>,
    stop: AtomicBool,
    connections: AtomicUsize,
    served: Mutex<Served>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the acceptor, which then sees `stop`.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Endpoint {
    /// Makes the CA and the certificate, writes the CA's PEM into a new directory under `scratch`,
    /// and starts serving.
    pub fn start(expected: Expected, scratch: &Path) -> Result<Endpoint, String> {
        let dir = scratch.join(format!("endpoint-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (ca_pem, chain, key) = certificates()?;
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca_pem).map_err(|e| format!("{}: {e}", ca_file.display()))?;
        // *ring*, as ruchy-lambda-aws's client has; rustls marks it deprecated for its lack of
        // post-quantum key exchange, which a loopback stand-in does not need.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
            .map_err(|e| format!("endpoint TLS: {e}"))?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| format!("endpoint: no loopback port: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("endpoint: {e}"))?
            .port();
        let shared = Arc::new(Shared {
            expected,
            tls: Arc::new(tls),
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            served: Mutex::new(Served::default()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept(&listener, &shared))
        };
        Ok(Endpoint {
            port,
            dir,
            ca_file,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// `https://127.0.0.1:PORT` (the certificate has that IP address).
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The CA certificate, PEM: what the functions trust.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// What it saw so far, and starts afresh.
    pub fn take(&self) -> Served {
        let mut served = self
            .shared
            .served
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default();
        served.connections = self.shared.connections.swap(0, Ordering::SeqCst);
        served
    }
}

/// A CA (its PEM) and a certificate for `localhost` and `127.0.0.1` it signed (DER, with its
/// PKCS #8 key); ECDSA P-256.
fn certificates() -> Result<(String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String>
{
    let failed = |e: rcgen::Error| format!("endpoint certificate: {e}");
    let ca_key = KeyPair::generate().map_err(failed)?;
    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "ruchy-lambda-bench throw-away CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).map_err(failed)?;
    // "127.0.0.1" parses as an IP address: rcgen makes it an IP address SAN.
    let mut params =
        CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).map_err(failed)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate().map_err(failed)?;
    let cert = params
        .signed_by(&key, &Issuer::new(ca, ca_key))
        .map_err(failed)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((ca_cert.pem(), vec![cert.der().clone()], key))
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(shared);
        std::thread::spawn(move || {
            let _ = serve(stream, &shared);
        });
    }
}

/// One connection: requests until the client closes it (or asks to).
fn serve(tcp: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let accepted = Instant::now();
    tcp.set_nodelay(true)?;
    if tcp.peek(&mut [0])? == 0 {
        return Ok(());
    }
    if let Ok(mut served) = shared.served.lock() {
        served.hellos.push(accepted.elapsed());
    }
    let connection =
        ServerConnection::new(Arc::clone(&shared.tls)).map_err(std::io::Error::other)?;
    let mut reader = BufReader::new(StreamOwned::new(connection, tcp));
    let mut counted = false;
    loop {
        let Some(head) = read_head(&mut reader)? else {
            return Ok(());
        };
        if !counted {
            // Counted once the handshake is done and a request came: a connection opened and
            // never used is not one.
            shared.connections.fetch_add(1, Ordering::SeqCst);
            counted = true;
        }
        let head = match Head::parse(&head) {
            Ok(head) => head,
            Err(why) => {
                refuse(reader.get_mut(), shared, &why)?;
                return Ok(());
            }
        };
        if head.expects_continue {
            reader
                .get_mut()
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            reader.get_mut().flush()?;
        }
        let length = match head.content_length {
            Some(n) if n <= MAX_BODY => n,
            Some(n) => {
                refuse(reader.get_mut(), shared, &format!("a {n}-byte body"))?;
                return Ok(());
            }
            None => {
                refuse(reader.get_mut(), shared, "no Content-Length")?;
                return Ok(());
            }
        };
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let read = Instant::now();
        match check(&head, &body, &shared.expected) {
            Ok(()) => {
                let reply = format!(r#"{{"Item":{}}}"#, shared.expected.item);
                let n = shared.served.lock().map_or(0, |s| s.answered.len());
                respond(reader.get_mut(), 200, &request_id(n), &reply, head.close)?;
                if let Ok(mut served) = shared.served.lock() {
                    served.answered.push(read.elapsed());
                }
            }
            Err(why) => refuse(reader.get_mut(), shared, &why)?,
        }
        if head.close {
            return Ok(());
        }
    }
}

/// The request head up to its blank line; `None` when the connection ends before a request.
fn read_head(reader: &mut impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let n = match reader.read_until(b'\n', &mut head) {
            Ok(n) => n,
            // A client that goes without TLS's close_notify, between requests.
            Err(e) if head.is_empty() && e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if n == 0 {
            return if head.is_empty() {
                Ok(None)
            } else {
                Err(std::io::ErrorKind::UnexpectedEof.into())
            };
        }
        if head.len() > MAX_HEAD {
            return Err(std::io::Error::other("request head too large"));
        }
        if matches!(&head[before..], b"\r\n" | b"\n") {
            if before == 0 {
                // A blank line between requests.
                head.clear();
                continue;
            }
            return Ok(Some(head));
        }
    }
}

/// A request head, as far as the endpoint reads it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Head {
    method: String,
    path: String,
    content_length: Option<usize>,
    expects_continue: bool,
    /// `Connection: close`.
    close: bool,
    authorization: Option<String>,
    target: Option<String>,
    content_type: Option<String>,
}

impl Head {
    fn parse(bytes: &[u8]) -> Result<Head, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "a head that is not UTF-8")?;
        let mut lines = text.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let (Some(method), Some(path), Some("HTTP/1.1")) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("not an HTTP/1.1 request line: {request_line:?}"));
        };
        let mut head = Head {
            method: method.to_owned(),
            path: path.to_owned(),
            ..Head::default()
        };
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("not a header: {line:?}"))?;
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => {
                    head.content_length = Some(
                        value
                            .parse()
                            .map_err(|_| format!("Content-Length {value:?}"))?,
                    );
                }
                "transfer-encoding" => return Err(format!("Transfer-Encoding {value}")),
                "expect" => head.expects_continue = value.eq_ignore_ascii_case("100-continue"),
                "connection" => head.close = value.eq_ignore_ascii_case("close"),
                "authorization" => head.authorization = Some(value.to_owned()),
                "x-amz-target" => head.target = Some(value.to_owned()),
                "content-type" => head.content_type = Some(value.to_owned()),
                _ => {}
            }
        }
        Ok(head)
    }
}

/// Whether a request is the `GetItem` the endpoint expects, signed with SigV4.
fn check(head: &Head, body: &[u8], expected: &Expected) -> Result<(), String> {
    if head.method != "POST" || head.path != "/" {
        return Err(format!("{} {}, not POST /", head.method, head.path));
    }
    match head.authorization.as_deref() {
        Some(a)
            if a.starts_with("AWS4-HMAC-SHA256 Credential=")
                && a.contains("/dynamodb/aws4_request")
                && a.contains("Signature=") => {}
        Some(a) => return Err(format!("not a SigV4 DynamoDB signature: {a:?}")),
        None => return Err("no Authorization".to_owned()),
    }
    if head.target.as_deref() != Some(TARGET) {
        return Err(format!("X-Amz-Target {:?}, not {TARGET}", head.target));
    }
    // The SDKs send the type without parameters; a `; charset` would be accepted by DynamoDB.
    let content_type = head.content_type.as_deref().unwrap_or_default();
    if content_type.split(';').next().map(str::trim) != Some(CONTENT_TYPE) {
        return Err(format!("Content-Type {content_type:?}"));
    }
    let request: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("a body that is not JSON: {e}"))?;
    if request["TableName"] != expected.table.as_str() {
        return Err(format!("TableName {}", request["TableName"]));
    }
    if request["Key"] != expected.key {
        return Err(format!("Key {}", request["Key"]));
    }
    Ok(())
}

/// A DynamoDB request id (52 characters, as DynamoDB's are).
fn request_id(n: usize) -> String {
    format!("RUCHYLAMBDABENCH{n:036}")
}

fn respond(
    out: &mut impl Write,
    status: u16,
    request_id: &str,
    body: &str,
    close: bool,
) -> std::io::Result<()> {
    let reason = if status == 200 { "OK" } else { "Bad Request" };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\n\
         x-amzn-RequestId: {request_id}\r\n{}\r\n",
        body.len(),
        if close { "Connection: close\r\n" } else { "" },
    );
    out.write_all(head.as_bytes())?;
    out.write_all(body.as_bytes())?;
    out.flush()
}

/// A `ValidationException` for a request that failed a check; recorded. The connection is
/// closed by the caller when the request cannot be framed.
fn refuse(out: &mut impl Write, shared: &Shared, why: &str) -> std::io::Result<()> {
    if let Ok(mut served) = shared.served.lock() {
        served.refused_count += 1;
        if served.refused.len() < 5 {
            served.refused.push(why.to_owned());
        }
    }
    let body = serde_json::json!({
        "__type": "com.amazon.coral.validate#ValidationException",
        "message": format!("ruchy-lambda-bench endpoint: {why}"),
    })
    .to_string();
    respond(out, 400, &request_id(0), &body, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::ServerName;
    use rustls::pki_types::pem::PemObject;
    use rustls::{ClientConfig, ClientConnection, RootCertStore};

    const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/\
                          aws4_request, SignedHeaders=host;x-amz-target, Signature=abcd";

    fn expected() -> Expected {
        Expected {
            table: "items".to_owned(),
            key: serde_json::json!({"id": {"S": "k3"}}),
            item: r#"{"id":{"S":"k3"}}"#.to_owned(),
        }
    }

    fn head(extra: &str) -> Head {
        let text = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n\
             X-Amz-Target: {TARGET}\r\nAuthorization: {SIGNED}\r\nContent-Length: 3\r\n{extra}\r\n"
        );
        Head::parse(text.as_bytes()).unwrap()
    }

    const BODY: &[u8] = br#"{"TableName":"items","Key":{"id":{"S":"k3"}}}"#;

    #[test]
    fn reads_the_head() {
        let h = head("Expect: 100-continue\r\nConnection: close\r\n");
        assert_eq!(h.content_length, Some(3));
        assert!(h.expects_continue && h.close);
        assert_eq!(h.target.as_deref(), Some(TARGET));
        assert!(Head::parse(b"GET / HTTP/1.0\r\n\r\n").is_err());
        assert!(Head::parse(b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n").is_err());
        assert!(Head::parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
    }

    #[test]
    fn checks_each_request() {
        let e = expected();
        assert_eq!(check(&head(""), BODY, &e), Ok(()));
        let mut unsigned = head("");
        unsigned.authorization = None;
        assert_eq!(
            check(&unsigned, BODY, &e),
            Err("no Authorization".to_owned())
        );
        let mut v2 = head("");
        v2.authorization = Some("AWS AKIDEXAMPLE:abcd".to_owned());
        assert!(check(&v2, BODY, &e).unwrap_err().contains("SigV4"));
        let mut put = head("");
        put.target = Some("DynamoDB_20120810.PutItem".to_owned());
        assert!(check(&put, BODY, &e).unwrap_err().contains("X-Amz-Target"));
        let mut json = head("");
        json.content_type = Some("application/json".to_owned());
        assert!(check(&json, BODY, &e).unwrap_err().contains("Content-Type"));
        let other_key = br#"{"TableName":"items","Key":{"id":{"S":"k4"}}}"#;
        assert!(
            check(&head(""), other_key, &e)
                .unwrap_err()
                .starts_with("Key")
        );
        let other_table = br#"{"TableName":"other","Key":{"id":{"S":"k3"}}}"#;
        assert!(
            check(&head(""), other_table, &e)
                .unwrap_err()
                .starts_with("TableName")
        );
        assert!(check(&head(""), b"{", &e).unwrap_err().contains("not JSON"));
        assert_eq!(request_id(7).len(), 52);
    }

    /// A TLS client that trusts only the endpoint's CA file.
    fn connect(endpoint: &Endpoint) -> StreamOwned<ClientConnection, TcpStream> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(endpoint.ca_file()).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let connection = ClientConnection::new(Arc::new(config), name).unwrap();
        let port = endpoint.url().rsplit(':').next().unwrap().parse().unwrap();
        let tcp = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        StreamOwned::new(connection, tcp)
    }

    /// The status line and the body of one response.
    fn response(reader: &mut impl BufRead) -> (String, String) {
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(n) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = n.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        (
            status.trim_end().to_owned(),
            String::from_utf8(body).unwrap(),
        )
    }

    #[test]
    fn answers_over_tls_and_keeps_the_connection() {
        let scratch = std::env::temp_dir().join("ruchy-lambda-bench-endpoint-test");
        let endpoint = Endpoint::start(expected(), &scratch).unwrap();
        let mut reader = BufReader::new(connect(&endpoint));
        let request = |target: &str, expect: &str| {
            format!(
                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n\
                 X-Amz-Target: {target}\r\nAuthorization: {SIGNED}\r\nContent-Length: {}\r\n\
                 {expect}\r\n",
                BODY.len()
            )
        };
        // With `Expect: 100-continue`: the interim answer first, then the body is sent.
        let stream = reader.get_mut();
        stream
            .write_all(request(TARGET, "Expect: 100-continue\r\n").as_bytes())
            .unwrap();
        stream.flush().unwrap();
        let mut interim = String::new();
        reader.read_line(&mut interim).unwrap();
        assert_eq!(interim, "HTTP/1.1 100 Continue\r\n");
        reader.read_line(&mut interim).unwrap();
        reader.get_mut().write_all(BODY).unwrap();
        let (status, body) = response(&mut reader);
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert_eq!(body, r#"{"Item":{"id":{"S":"k3"}}}"#);
        // The same connection, another operation: refused, and recorded.
        let stream = reader.get_mut();
        stream
            .write_all(request("DynamoDB_20120810.PutItem", "").as_bytes())
            .unwrap();
        stream.write_all(BODY).unwrap();
        let (status, body) = response(&mut reader);
        assert_eq!(status, "HTTP/1.1 400 Bad Request");
        assert!(body.contains("ValidationException"), "{body}");
        let served = endpoint.take();
        assert_eq!(served.connections, 1);
        assert_eq!(served.hellos.len(), 1);
        assert_eq!(served.answered.len(), 1);
        assert_eq!(served.refused_count, 1);
        assert!(
            served.refused[0].contains("PutItem"),
            "{:?}",
            served.refused
        );
        let ca = endpoint.ca_file().to_path_buf();
        drop(endpoint);
        assert!(!ca.exists());
    }
}
