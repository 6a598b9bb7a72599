//! Connections: TCP, TLS on rustls, and the pool of kept-alive connections every worker shares.
//!
//! A connection is runtime-core's HTTP/1.1 client ([`HttpClient`]) over a [`Stream`]: its
//! parsing and keep-alive handling are the runtime's own, only the bytes go through TLS here.
//! Connections are pooled per endpoint (scheme, host, port): a call takes an idle one or opens
//! a new one, and gives it back when its answer has been read. Four workers calling DynamoDB at
//! once hold four connections, which stay open for the next four calls; a `GetObject` body being
//! read holds its connection until it is read to its end (or dropped), and a call made meanwhile
//! takes another.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use ruchy_lambda_runtime_core::http::{Connect, HttpClient, Limits};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind};

/// Where the system's CA bundle is: Amazon Linux 2023 (Lambda's `provided.al2023`) first, then
/// Debian and Ubuntu, Alpine and macOS, and Fedora's extracted bundle.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
];

/// How long opening a TCP connection may take (the SDKs' default connect timeout).
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Idle connections kept per endpoint.
const MAX_IDLE_PER_ENDPOINT: usize = 16;

/// Responses up to this size are read whole (the runtime's defaults are for Lambda events).
const LIMITS: Limits = Limits {
    max_head_bytes: 64 * 1024,
    max_headers: 200,
    max_body_bytes: 64 * 1024 * 1024,
};

/// The rustls configuration every HTTPS connection of the process uses, made on first use: the
/// root certificates of `SSL_CERT_FILE` when it is set (it replaces the system's, as
/// rustls-native-certs and the AWS SDKs treat it), else of the system bundle.
pub(crate) fn tls_config() -> Result<Arc<ClientConfig>, Error> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| make_tls_config().map(Arc::new))
        .clone()
        .map_err(|message| Error::new(ErrorKind::Config, message))
}

fn make_tls_config() -> Result<ClientConfig, String> {
    let path = match std::env::var_os("SSL_CERT_FILE").filter(|p| !p.is_empty()) {
        Some(path) => std::path::PathBuf::from(path),
        None => SYSTEM_BUNDLES
            .iter()
            .map(std::path::PathBuf::from)
            .find(|p| p.is_file())
            .ok_or_else(|| {
                format!(
                    "no CA bundle: none of {} exists, and SSL_CERT_FILE is not set",
                    SYSTEM_BUNDLES.join(", ")
                )
            })?,
    };
    let roots = load_roots(&path)?;
    // *ring* rather than aws-lc-rs: a smaller binary and a quicker build (BENCHMARKS.md, "TLS
    // for the AWS client"); rustls marks it deprecated for its lack of post-quantum key
    // exchange, which AWS's endpoints do not require.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The trust anchors of a PEM bundle. Certificates rustls cannot use are skipped, as
/// rustls-native-certs does; a bundle with none it can use is an error.
fn load_roots(path: &std::path::Path) -> Result<RootCertStore, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let unreadable = |e: &dyn std::fmt::Display| format!("CA bundle {}: {e}", path.display());
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
        let cert = cert.map_err(|e| unreadable(&e))?;
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        return Err(unreadable(&"no usable certificate in it"));
    }
    Ok(roots)
}

/// Opens connections to one endpoint: TCP, then the TLS handshake for `https`.
#[derive(Debug)]
pub(crate) struct Connector {
    tls: Option<(Arc<ClientConfig>, ServerName<'static>)>,
    timeout: Option<Duration>,
}

/// A connection's byte stream.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            // A peer that closes without TLS's close_notify is taken as an end of stream: the
            // HTTP framing above catches a truncated response, and an idle connection closed
            // this way is then reopened like a plain one.
            Stream::Tls(s) => match s.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                other => other,
            },
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

impl Connect for Connector {
    type Stream = Stream;

    fn connect(&mut self, addr: &str) -> io::Result<Stream> {
        let tcp = connect_tcp(addr, self.timeout.unwrap_or(CONNECT_TIMEOUT))?;
        tcp.set_nodelay(true)?;
        let Some((config, name)) = &self.tls else {
            return Ok(Stream::Plain(tcp));
        };
        let conn = ClientConnection::new(config.clone(), name.clone()).map_err(io::Error::other)?;
        let mut tls = StreamOwned::new(conn, tcp);
        // The handshake now, so that opening a connection ahead of time pays it too.
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock)?;
        }
        Ok(Stream::Tls(Box::new(tls)))
    }
}

/// Connects to the first address `addr` resolves to that accepts, each within `timeout`.
fn connect_tcp(addr: &str, timeout: Duration) -> io::Result<TcpStream> {
    let mut last = None;
    for sa in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&sa, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some((sa, e)),
        }
    }
    Err(match last {
        Some((sa, e)) => io::Error::new(e.kind(), format!("{}: {e}", show(sa))),
        None => io::Error::new(
            io::ErrorKind::NotFound,
            format!("{addr} resolves to no address"),
        ),
    })
}

fn show(sa: SocketAddr) -> String {
    sa.to_string()
}

/// A connection to an endpoint.
pub(crate) type Connection = HttpClient<Connector>;

/// Idle connections, per endpoint.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    idle: Mutex<Vec<(String, Connection)>>,
    timeout: Option<Duration>,
}

impl Pool {
    pub(crate) fn new(connect_timeout: Option<Duration>) -> Self {
        Pool {
            idle: Mutex::new(Vec::new()),
            timeout: connect_timeout,
        }
    }

    /// An idle connection to `endpoint`, or a new (not yet opened) one.
    pub(crate) fn take(&self, endpoint: &Endpoint) -> Result<Connection, Error> {
        let key = endpoint.key();
        {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = idle.iter().rposition(|(k, _)| *k == key) {
                return Ok(idle.swap_remove(i).1);
            }
        }
        let tls = if endpoint.https {
            let name = ServerName::try_from(endpoint.host.clone()).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!(
                        "endpoint host {:?} is not a TLS server name: {e}",
                        endpoint.host
                    ),
                )
            })?;
            Some((tls_config()?, name))
        } else {
            None
        };
        let connector = Connector {
            tls,
            timeout: self.timeout,
        };
        Ok(
            HttpClient::with_connector(endpoint.addr(), endpoint.authority(), connector)
                .with_limits(LIMITS),
        )
    }

    /// Gives a connection back. Only an open one whose last answer was read whole is kept.
    pub(crate) fn put(&self, endpoint: &Endpoint, conn: Connection) {
        if !conn.is_connected() {
            return;
        }
        let key = endpoint.key();
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.iter().filter(|(k, _)| *k == key).count() < MAX_IDLE_PER_ENDPOINT {
            idle.push((key, conn));
        }
    }

    /// Opens `n` connections to `endpoint` now (TLS handshake included) and keeps them idle.
    pub(crate) fn warm(&self, endpoint: &Endpoint, n: usize) -> Result<(), Error> {
        let mut opened = Vec::with_capacity(n);
        for _ in 0..n {
            let mut conn = self.take(endpoint)?;
            conn.connect_now().map_err(|e| {
                Error::transport(format!("connecting to {}", endpoint.authority()), e)
            })?;
            opened.push(conn);
        }
        for conn in opened {
            self.put(endpoint, conn);
        }
        Ok(())
    }
}
