//! moto's server (PyPI `moto[server]`), a real implementation of AWS's APIs, on loopback: started
//! by a test, stopped when dropped. `.ci/run` installs it; elsewhere `MOTO_SERVER` (the path of
//! `moto_server`) or `moto_server` on `PATH` is used, and without either the tests say they are
//! skipped (under CI they fail instead).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server.
pub struct Moto {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub authority: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn program() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("moto_server"))
        .find(|p| p.is_file())
}

impl Moto {
    /// Starts moto's server on a free loopback port and waits (at most 60 s) until it answers;
    /// `None` (with a line saying so) when it is not installed, outside CI.
    pub fn start() -> Option<Moto> {
        let Some(program) = program() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "moto_server is not installed: .ci/run installs it (or set MOTO_SERVER)"
            );
            println!(
                "skipped: moto_server not found (pip install 'moto[server]', or set MOTO_SERVER)"
            );
            return None;
        };
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let moto = Moto {
            child,
            authority: format!("127.0.0.1:{port}"),
        };
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok((200, _)) = moto.try_request("GET", "/moto-api/", &[], b"") {
                return Some(moto);
            }
            assert!(
                Instant::now() < until,
                "moto_server did not answer within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.authority)
    }

    /// A DynamoDB call (JSON 1.0), unsigned but for the credential scope moto reads the region
    /// from; the status and the JSON answer.
    pub fn dynamodb(&self, operation: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let target = format!("DynamoDB_20120810.{operation}");
        let headers = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", target.as_str()),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            ),
        ];
        let (status, body) = self
            .try_request("POST", "/", &headers, body.to_string().as_bytes())
            .expect("moto answers");
        (status, serde_json::from_slice(&body).unwrap_or_default())
    }

    fn try_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut stream = TcpStream::connect(&self.authority)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.authority,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line)?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not HTTP: {status_line:?}")))?;
        let mut length = None;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let mut body = Vec::new();
        match length {
            Some(n) => {
                body.resize(n, 0);
                reader.read_exact(&mut body)?;
            }
            None => {
                reader.read_to_end(&mut body)?;
            }
        }
        Ok((status, body))
    }
}
