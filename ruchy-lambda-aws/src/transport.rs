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
use rustls::crypto::{
    CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms,
};
use rustls::pki_types::{PrivateKeyDer, ServerName};
use rustls::sign::SigningKey;
use rustls::{ClientConfig, ClientConnection, RootCertStore, SignatureScheme, StreamOwned};

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
    Ok(ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The TLS algorithms, on *ring* rather than aws-lc-rs: a smaller binary and a quicker build
/// (BENCHMARKS.md, "TLS for the AWS client"). Only what AWS's endpoints use is linked in;
/// rustls's `ring::default_provider()` would bring every suite, group and signing key type:
/// - suites: TLS 1.3 and TLS 1.2 ECDHE (ECDSA and RSA) with AES-GCM. No ChaCha20-Poly1305,
///   which only wins over AES-GCM on processors without AES instructions, unlike Lambda's;
/// - key exchange: P-256 only, the group every TLS 1.3 server must take (RFC 8446, 9.1) and
///   every TLS 1.2 ECDHE server does. Its code and tables are linked anyway for verifying
///   ECDSA P-256 certificates, while X25519 would add 39,936 bytes to a function;
/// - certificate and handshake signatures: ECDSA on P-256 and P-384, RSA PKCS#1 and PSS (no
///   Ed25519, which no public CA issues);
/// - no private keys: the client does not authenticate itself with a certificate.
fn provider() -> CryptoProvider {
    use rustls::crypto::ring::{cipher_suite as cs, kx_group};
    use webpki::ring as alg;
    static ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
        all: &[
            alg::ECDSA_P256_SHA256,
            alg::ECDSA_P256_SHA384,
            alg::ECDSA_P384_SHA256,
            alg::ECDSA_P384_SHA384,
            alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
            alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
            alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
            alg::RSA_PKCS1_2048_8192_SHA256,
            alg::RSA_PKCS1_2048_8192_SHA384,
            alg::RSA_PKCS1_2048_8192_SHA512,
            alg::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
            alg::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
            alg::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
        ],
        // For TLS 1.2 the scheme does not fix the curve; for TLS 1.3 it does.
        mapping: &[
            (
                SignatureScheme::ECDSA_NISTP384_SHA384,
                &[alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384],
            ),
            (
                SignatureScheme::ECDSA_NISTP256_SHA256,
                &[alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256],
            ),
            (
                SignatureScheme::RSA_PSS_SHA512,
                &[alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
            ),
            (
                SignatureScheme::RSA_PSS_SHA384,
                &[alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
            ),
            (
                SignatureScheme::RSA_PSS_SHA256,
                &[alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
            ),
            (
                SignatureScheme::RSA_PKCS1_SHA512,
                &[alg::RSA_PKCS1_2048_8192_SHA512],
            ),
            (
                SignatureScheme::RSA_PKCS1_SHA384,
                &[alg::RSA_PKCS1_2048_8192_SHA384],
            ),
            (
                SignatureScheme::RSA_PKCS1_SHA256,
                &[alg::RSA_PKCS1_2048_8192_SHA256],
            ),
        ],
    };
    CryptoProvider {
        cipher_suites: vec![
            cs::TLS13_AES_128_GCM_SHA256,
            cs::TLS13_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ],
        kx_groups: vec![kx_group::SECP256R1],
        signature_verification_algorithms: ALGORITHMS,
        secure_random: &Random,
        key_provider: &NoKeys,
    }
}

/// The system's random numbers, through *ring*.
#[derive(Debug)]
struct Random;

impl SecureRandom for Random {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        use ring::rand::SecureRandom as _;
        ring::rand::SystemRandom::new()
            .fill(buf)
            .map_err(|_| GetRandomFailed)
    }
}

/// Loads no private key: the client has no certificate of its own.
#[derive(Debug)]
struct NoKeys;

impl KeyProvider for NoKeys {
    fn load_private_key(
        &self,
        _key: PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "no client certificates: private keys are not supported".into(),
        ))
    }
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

    /// Opens `n` connections to `endpoint` now (TLS handshake included), at once on threads of
    /// their own when there are several, and keeps them idle.
    pub(crate) fn warm(&self, endpoint: &Endpoint, n: usize) -> Result<(), Error> {
        let open = |mut conn: Connection| {
            conn.connect_now()
                .map(|()| conn)
                .map_err(|e| Error::transport(format!("connecting to {}", endpoint.authority()), e))
        };
        let conns = (0..n)
            .map(|_| self.take(endpoint))
            .collect::<Result<Vec<_>, _>>()?;
        // Several at once: each handshake waits on the network more than it computes.
        let opened: Vec<Result<Connection, Error>> = if conns.len() == 1 {
            conns.into_iter().map(open).collect()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = conns
                    .into_iter()
                    .map(|conn| scope.spawn(move || open(conn)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(Error::new(
                                ErrorKind::Transport,
                                "a connecting thread panicked",
                            ))
                        })
                    })
                    .collect()
            })
        };
        let mut first_error = None;
        for conn in opened {
            match conn {
                Ok(conn) => self.put(endpoint, conn),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        Ok(())
    }
}
