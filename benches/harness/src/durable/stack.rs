//! One function's stack for the durable section: AWS's local durable backend
//! (`dex-local-runner`) and the local Lambda's `serve` as the Invoke endpoint it calls, the
//! REPORT lines `serve` prints, and the HTTP calls that start an execution and wait for its end.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::STEPS;

/// The backend and the Invoke endpoint of one function, and the REPORT lines seen so far.
pub(super) struct Stack {
    pub(super) label: &'static str,
    dex: Child,
    dex_port: u16,
    serve: Child,
    reports: Arc<Mutex<Vec<String>>>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.serve.kill();
        let _ = self.serve.wait();
        let _ = self.dex.kill();
        let _ = self.dex.wait();
    }
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

impl Stack {
    pub(super) fn start(
        label: &'static str,
        venv: &Path,
        serve_program: &Path,
        source: &[String],
    ) -> Result<Stack, String> {
        let dex_port = free_port()?;
        let serve_port = free_port()?;
        let credentials = [
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            (
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
            ("AWS_DEFAULT_REGION", "us-west-2"),
        ];
        let dex = Command::new(venv.join("bin").join("dex-local-runner"))
            .args(["start-server", "--host", "127.0.0.1", "--port"])
            .arg(dex_port.to_string())
            .arg("--lambda-endpoint")
            .arg(format!("http://127.0.0.1:{serve_port}"))
            .arg("--local-runner-endpoint")
            .arg(format!("http://127.0.0.1:{dex_port}"))
            .args(["--skip-time", "--log-level", "WARNING"])
            .envs(credentials)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("dex-local-runner: {e}"))?;
        let mut serve = Command::new(serve_program)
            .arg("serve")
            .args(source)
            .args(["--name", "replay", "--port"])
            .arg(serve_port.to_string())
            .args(["--timeout", "900", "--memory", "1024", "--env"])
            .arg(format!(
                "AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:{dex_port}"
            ))
            .arg("--env")
            .arg(format!(
                "RUCHY_LAMBDA_PYTHON={}",
                venv.join("bin").join("python").display()
            ))
            .envs(credentials)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("ruchy-lambda-local serve: {e}"))?;
        let stderr = serve.stderr.take().ok_or("serve's stderr")?;
        let reports = Arc::new(Mutex::new(Vec::new()));
        let listening = Arc::new(Mutex::new(false));
        {
            let reports = Arc::clone(&reports);
            let listening = Arc::clone(&listening);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if line.starts_with("listening on ") {
                        *listening.lock().unwrap_or_else(|e| e.into_inner()) = true;
                    } else if line.starts_with("REPORT ") {
                        reports.lock().unwrap_or_else(|e| e.into_inner()).push(line);
                    }
                }
            });
        }
        let stack = Stack {
            label,
            dex,
            dex_port,
            serve,
            reports,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let ready = *listening.lock().unwrap_or_else(|e| e.into_inner())
                && TcpStream::connect(("127.0.0.1", dex_port)).is_ok();
            if ready {
                return Ok(stack);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{label}: serve or dex-local-runner did not start in 120 s"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs one execution of `STEPS` steps to its end; its invocations' REPORT lines.
    pub(super) fn execution(&self, round: usize) -> Result<Vec<String>, String> {
        let before = self.reports.lock().unwrap_or_else(|e| e.into_inner()).len();
        let body = format!(
            r#"{{"AccountId":"123456789012","FunctionName":"replay","FunctionQualifier":"$LATEST","ExecutionName":"replay-{round}-{}","ExecutionTimeoutSeconds":900,"ExecutionRetentionPeriodDays":1,"Input":"{{\"steps\":{STEPS}}}"}}"#,
            std::process::id()
        );
        let (status, answer) = http(self.dex_port, "POST", "/start-durable-execution", &body)?;
        if status / 100 != 2 {
            return Err(format!("{}: start: {status} {answer}", self.label));
        }
        let arn = json_string(&answer, "ExecutionArn")
            .ok_or_else(|| format!("{}: no ExecutionArn in {answer}", self.label))?;
        let path = format!("/2025-12-01/durable-executions/{}", encode(&arn));
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let (_, details) = http(self.dex_port, "GET", &path, "")?;
            match json_string(&details, "Status").as_deref() {
                Some("SUCCEEDED") => {
                    let expected = (STEPS * (STEPS - 1) / 2).to_string();
                    if json_string(&details, "Result").as_deref() != Some(&expected) {
                        return Err(format!("{}: a wrong result: {details}", self.label));
                    }
                    break;
                }
                Some("RUNNING") | None => {}
                Some(other) => return Err(format!("{}: execution {other}: {details}", self.label)),
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{}: the execution did not end in 600 s",
                    self.label
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // The last REPORT line may come just after the execution is recorded as ended.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let reports = self.reports.lock().unwrap_or_else(|e| e.into_inner());
            let seen = reports[before..].to_vec();
            drop(reports);
            if seen.len() >= 2 && self.serve_idle(seen.len(), before) {
                return Ok(seen);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{}: {} REPORT lines, not 2 or more",
                    self.label,
                    seen.len()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// No REPORT line came in the last 200 ms beyond `count`.
    fn serve_idle(&self, count: usize, before: usize) -> bool {
        std::thread::sleep(Duration::from_millis(200));
        self.reports.lock().unwrap_or_else(|e| e.into_inner()).len() == before + count
    }
}

/// One HTTP/1.1 exchange with `127.0.0.1:port`, the connection closed after it.
fn http(port: u16, method: &str, path: &str, body: &str) -> Result<(u16, String), String> {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("127.0.0.1:{port}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .map_err(|e| format!("{method} {path}: {e}"))?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{method} {path}: no status in {answer:?}"))?;
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Ok((status, body))
}

/// The string value of `"key"` at the top of a JSON object.
fn json_string(json: &str, key: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    value.get(key)?.as_str().map(str::to_owned)
}

/// `text` percent-encoded as a URI path segment.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_encoded_as_one_segment() {
        assert_eq!(encode("a/b:$LATEST"), "a%2Fb%3A%24LATEST");
    }
}
