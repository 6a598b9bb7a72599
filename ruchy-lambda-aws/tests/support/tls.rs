//! A throw-away certificate authority and a server certificate it signed, as PEM files in a
//! fresh directory that is removed when the [`TestCa`] is dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A CA (`ca_file`) and a certificate for `localhost` and `127.0.0.1` (`cert_file`, with its
/// private key in `key_file`) signed by it. Keys are ECDSA P-256.
pub struct TestCa {
    dir: PathBuf,
    /// The CA certificate, PEM: what a client is to trust.
    pub ca_file: PathBuf,
    /// The server certificate, PEM, for `localhost` and `127.0.0.1`.
    pub cert_file: PathBuf,
    /// The server certificate's private key, PEM (PKCS #8).
    pub key_file: PathBuf,
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new empty directory under the system's temporary directory.
pub fn temp_dir(what: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "ruchy-lambda-aws-{what}-{}-{}-{nanos}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("cannot make {}: {e}", dir.display()));
    dir
}

fn write(dir: &Path, name: &str, pem: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

impl TestCa {
    /// Makes the CA, the server certificate and their files.
    pub fn new() -> TestCa {
        let dir = temp_dir("ca");
        let ca_key = KeyPair::generate().expect("an ECDSA key");
        let ca_params = ca_params("ruchy-lambda-aws test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("a CA certificate");
        let ca_file = write(&dir, "ca.pem", &ca_cert.pem());

        // "127.0.0.1" parses as an IP address: rcgen makes it an IP address SAN.
        let mut params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("valid names");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let key = KeyPair::generate().expect("an ECDSA key");
        let issuer = Issuer::new(ca_params, ca_key);
        let cert = params
            .signed_by(&key, &issuer)
            .expect("a server certificate");
        let cert_file = write(&dir, "server.pem", &cert.pem());
        let key_file = write(&dir, "server.key", &key.serialize_pem());
        TestCa {
            dir,
            ca_file,
            cert_file,
            key_file,
        }
    }

    /// Another CA, which signs nothing: a client that trusts only its `ca_file` must refuse
    /// every [`TestCa`]'s server.
    pub fn other() -> UnrelatedCa {
        let dir = temp_dir("other-ca");
        let key = KeyPair::generate().expect("an ECDSA key");
        let cert = ca_params("ruchy-lambda-aws unrelated CA")
            .self_signed(&key)
            .expect("a CA certificate");
        let ca_file = write(&dir, "ca.pem", &cert.pem());
        UnrelatedCa { dir, ca_file }
    }
}

/// A CA certificate no server of the kit has (see [`TestCa::other`]); its file is removed
/// when dropped.
pub struct UnrelatedCa {
    dir: PathBuf,
    /// The CA certificate, PEM.
    pub ca_file: PathBuf,
}

impl Drop for UnrelatedCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
