//! [`SigningProxy`]: `signing_proxy.py` (beside this file) run with moto's venv Python. It
//! checks each request's SigV4 signature with botocore, an implementation apart from the
//! `aws-sigv4` crate the client signs with, and passes the requests that hold on to an upstream
//! server (moto); see the script's docstring for what exactly it computes.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::{START_DEADLINE, TestCa, http, moto};

/// The script, run with the Python of moto's venv.
pub const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/support/signing_proxy.py"
);

/// A running signing proxy; the process ends when this is dropped.
pub struct SigningProxy {
    child: Child,
    // Held open: the proxy ends when its stdin ends, also when the test process is killed.
    _stdin: ChildStdin,
    stderr: Arc<Mutex<String>>,
    ca_file: Option<PathBuf>,
    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS.
    pub endpoint: String,
}

impl Drop for SigningProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SigningProxy {
    /// Starts a proxy in front of `upstream` (`http://HOST:PORT`) that accepts requests signed
    /// with `access_key` and `secret_key` (more with [`SigningProxy::accept_key`]); over HTTPS
    /// with `tls`'s server certificate when given. Waits (at most 60 s) for it to listen.
    pub fn start(
        upstream: &str,
        access_key: &str,
        secret_key: &str,
        tls: Option<&TestCa>,
    ) -> SigningProxy {
        let python = moto::python();
        let mut command = Command::new(&python);
        command
            .arg(SCRIPT)
            .arg("--upstream")
            .arg(upstream)
            .arg("--key")
            .arg(format!("{access_key}:{secret_key}"));
        if let Some(ca) = tls {
            command
                .arg("--cert")
                .arg(&ca.cert_file)
                .arg("--key-file")
                .arg(&ca.key_file);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} {SCRIPT}: {e}", python.display()));
        let stdin = child.stdin.take().expect("piped stdin");

        let stderr = Arc::new(Mutex::new(String::new()));
        let mut child_stderr = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = child_stderr.read(&mut buffer) {
                let text = String::from_utf8_lossy(&buffer[..n]);
                sink.lock().unwrap().push_str(&text);
            }
        });

        let (ready, port) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = ready.send(line);
        });
        let port: u16 = match port.recv_timeout(START_DEADLINE) {
            Ok(line) => line.trim().parse().unwrap_or_else(|_| {
                let _ = child.wait();
                panic!(
                    "the signing proxy did not start (it printed {line:?}); its stderr:\n{}",
                    stderr.lock().unwrap()
                )
            }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the signing proxy did not print its port within {START_DEADLINE:?}; its \
                     stderr:\n{}",
                    stderr.lock().unwrap()
                )
            }
        };
        let endpoint = match tls {
            Some(_) => format!("https://localhost:{port}"),
            None => format!("http://127.0.0.1:{port}"),
        };
        SigningProxy {
            child,
            _stdin: stdin,
            stderr,
            ca_file: tls.map(|ca| ca.ca_file.clone()),
            endpoint,
        }
    }

    /// How many requests had a signature botocore agrees with (and were passed on).
    pub fn verified(&self) -> usize {
        let count = &self.stats()["verified"];
        count.as_u64().expect("a count") as usize
    }

    /// One readable description per refused request: method, path, service, and for a wrong
    /// signature the expected and received ones, the canonical request and the string to sign
    /// botocore computed.
    pub fn mismatches(&self) -> Vec<String> {
        let stats = self.stats();
        stats["mismatches"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|m| m.as_str().expect("a description").to_string())
            .collect()
    }

    /// Accepts requests signed with one more key pair from now on (say, the ones a
    /// [`CredentialsServer`](super::CredentialsServer) hands out).
    pub fn accept_key(&self, access_key: &str, secret_key: &str) {
        let body = serde_json::json!({"access_key": access_key, "secret_key": secret_key});
        let response = self.control("POST", "/__proxy/keys", body.to_string().as_bytes());
        assert_eq!(response.status, 204, "{}", response.text());
    }

    /// What the proxy wrote on stderr so far (a line per refused request).
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn stats(&self) -> serde_json::Value {
        let response = self.control("GET", "/__proxy/stats", b"");
        assert_eq!(response.status, 200, "{}", response.text());
        serde_json::from_slice(&response.body).expect("the proxy's stats as JSON")
    }

    fn control(&self, method: &str, path: &str, body: &[u8]) -> http::Response {
        http::request(
            &self.endpoint,
            method,
            path,
            &[],
            body,
            self.ca_file.as_deref(),
        )
        .unwrap_or_else(|e| {
            panic!(
                "the signing proxy at {} does not answer {path}: {e}; its stderr:\n{}",
                self.endpoint,
                self.stderr()
            )
        })
    }
}
