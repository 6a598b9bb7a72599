//! Running the `ruchy-lambda-local` command in tests: every child gets a deadline, and is killed
//! (failing the test) when it passes it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The command under test.
pub const CLI: &str = env!("CARGO_BIN_EXE_ruchy-lambda-local");
/// The fixture bootstrap (tests/support/test_bootstrap.rs).
pub const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_ruchy-lambda-local-test-bootstrap");
/// Enough for any fixture run; a run past it has hung.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// What a finished run printed.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn stdout_lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }

    /// The lines of stderr that start with `prefix`.
    pub fn log(&self, prefix: &str) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with(prefix))
            .collect()
    }
}

/// The command with `args`, the fixture's environment variables cleared.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(CLI);
    command.args(args).env_remove("FIXTURE_INIT");
    command
}

/// Runs `command` with `stdin` as its standard input, within `deadline`.
pub fn run_with(mut command: Command, stdin: &[u8], deadline: Duration) -> Run {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start ruchy-lambda-local");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let stdout = read_all(child.stdout.take().expect("stdout"));
    let stderr = read_all(child.stderr.take().expect("stderr"));
    let status = wait(&mut child, deadline, &command);
    Run {
        status,
        stdout: stdout
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_default(),
        stderr: stderr
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_default(),
    }
}

/// `ruchy-lambda-local ARGS` with no input, within [`DEADLINE`].
pub fn run(args: &[&str]) -> Run {
    run_with(command(args), b"", DEADLINE)
}

fn read_all(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    rx
}

fn wait(child: &mut Child, deadline: Duration, command: &Command) -> ExitStatus {
    let until = Instant::now() + deadline;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {deadline:?}: killed");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// A `serve` process, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub path: String,
    /// Its stderr, line by line, after the `listening on` line.
    pub log: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `ruchy-lambda-local serve --port 0 ARGS` and waits for its `listening on` line.
    pub fn start(args: &[&str]) -> Server {
        let mut all = vec!["serve", "--port", "0"];
        all.extend_from_slice(args);
        Server::spawn(command(&all))
    }

    /// Starts `command` (a `serve`) and waits for its `listening on` line.
    pub fn spawn(command: Command) -> Server {
        Server::spawn_within(command, Duration::from_secs(30))
    }

    /// Starts `command` (a `serve`) and waits up to `deadline` for its `listening on` line (the
    /// functions are built and started before it).
    pub fn spawn_within(mut command: Command, deadline: Duration) -> Server {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, log) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut server = Server {
            child,
            addr: "127.0.0.1:0".parse().unwrap(),
            path: String::new(),
            log,
        };
        let line = server.next_line_within("listening on ", deadline);
        let url = line.trim_start_matches("listening on http://");
        let slash = url.find('/').expect("a path in the URL");
        server.addr = url[..slash].parse().expect("a socket address");
        server.path = url[slash..].to_owned();
        server
    }

    /// Waits (at most 30 s) for a stderr line that starts with `prefix`, skipping others.
    pub fn next_line_starting(&mut self, prefix: &str) -> String {
        self.next_line_within(prefix, Duration::from_secs(30))
    }

    /// Waits (at most `deadline`) for a stderr line that starts with `prefix`, skipping others.
    pub fn next_line_within(&mut self, prefix: &str, deadline: Duration) -> String {
        let until = Instant::now() + deadline;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(_) => {}
                Err(_) => panic!("no `{prefix}` line from serve within {deadline:?}"),
            }
        }
    }
}

impl Server {
    /// The process id of `serve`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (at most `deadline`) for `serve` to exit; every stderr line it wrote that was not
    /// read yet comes with the status.
    pub fn wait_exit(&mut self, deadline: Duration) -> (ExitStatus, Vec<String>) {
        let until = Instant::now() + deadline;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() >= until {
                panic!("serve did not exit within {deadline:?}");
            }
            thread::sleep(Duration::from_millis(10));
        };
        // The pipe closes once serve and every runtime that shared its stderr are gone.
        let mut lines = Vec::new();
        while let Ok(line) = self.log.recv_timeout(Duration::from_secs(10)) {
            lines.push(line);
        }
        (status, lines)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response as the test client read it.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`), read back within 30 s.
pub fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Response {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_response(&mut BufReader::new(stream))
}

/// Reads one response with a `Content-Length` body.
pub fn read_response(reader: &mut impl BufRead) -> Response {
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header line");
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':').expect("a header");
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().expect("a length"));
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    Response {
        status,
        headers,
        body,
    }
}

/// A fresh empty folder under the target directory, for files a test writes.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

/// The target directory for cargo run from inside a test: not the one the test runs from, whose
/// build lock the outer cargo may hold.
pub fn nested_target_dir() -> PathBuf {
    workspace().join("target").join("cli-e2e")
}
