//! `ruchy-lambda-local serve` stopped by SIGINT (Ctrl-C) or SIGTERM: every runtime is ended as
//! Lambda ends an execution environment, its last lines are printed, and serve exits 0.

#[path = "support/cli.rs"]
mod cli;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cli::{BOOTSTRAP, Server, command, http, scratch_dir};

/// Far more than the sequence takes (a shutdown budget of 500 ms), for a loaded machine: a serve
/// that does not stop on the signal never gets there.
const EXIT_WITHIN: Duration = Duration::from_secs(20);

/// A bootstrap that runs the fixture as its child, writes its process id to the file `pid`
/// beside it, and on SIGTERM prints
/// `wrapper got SIGTERM`, ends the fixture and exits 0; on SIGINT it prints `wrapper got
/// SIGINT` (it should never get one: it is not in the group of a terminal's Ctrl-C).
fn wrapper(dir: &Path) -> PathBuf {
    let path = dir.join("bootstrap");
    let script = format!(
        "#!/bin/sh\n\
         echo $$ > \"$(dirname \"$0\")/pid\"\n\
         \"{BOOTSTRAP}\" &\n\
         child=$!\n\
         trap 'echo \"wrapper got SIGINT\"' INT\n\
         trap 'echo \"wrapper got SIGTERM\"; kill $child; exit 0' TERM\n\
         while kill -0 $child 2>/dev/null; do wait $child; done\n"
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// `serve --bin WRAPPER ARGS`, the fixture registering an extension for SHUTDOWN unless
/// `extension` is false. The shutdown budget is Lambda's longest, for a loaded machine.
fn serve(bootstrap: &Path, extension: bool, args: &[&str]) -> Command {
    let mut all = vec![
        "serve",
        "--port",
        "0",
        "--shutdown-budget",
        "2000",
        "--bin",
        bootstrap.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let mut serve = command(&all);
    serve.env_remove("FIXTURE_EXTENSION");
    if extension {
        serve
            .env("FIXTURE_EXTENSION", "closer")
            .env("FIXTURE_EXTENSION_EVENTS", "SHUTDOWN");
    }
    serve
}

/// Invokes once, so that init (and the extension's registration) is over; the wrapper's pid.
fn invoke_once(server: &Server, dir: &Path) -> u32 {
    let reply = http(server.addr, "POST", &server.path, b"{\"n\":1}");
    assert_eq!((reply.status, reply.text().as_str()), (200, "{\"n\":1}"));
    let pid = std::fs::read_to_string(dir.join("pid")).unwrap();
    pid.trim().parse().unwrap()
}

fn signal(signal: &str, target: &str) {
    let status = Command::new("kill")
        .args([signal, "--", target])
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} {target}");
}

/// Whether `pid` is a live process (not gone, not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let (_, rest) = stat.rsplit_once(") ")?;
            Some(!rest.starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Fails the test if the runtime `pid` is still alive 10 s after serve exited.
fn assert_gone(pid: u32) {
    let until = Instant::now() + Duration::from_secs(10);
    while alive(pid) {
        assert!(Instant::now() < until, "the runtime {pid} outlived serve");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_shuts_the_runtime_down_with_sigterm_and_exits_0() {
    let dir = scratch_dir("signals-ctrl-c");
    let bootstrap = wrapper(&dir);
    // A terminal's Ctrl-C: SIGINT to serve's whole process group.
    let mut command = serve(&bootstrap, true, &[]);
    command.process_group(0);
    let mut server = Server::spawn(command);
    let pid = invoke_once(&server, &dir);
    signal("-INT", &format!("-{}", server.pid()));
    let (status, lines) = server.wait_exit(EXIT_WITHIN);
    assert_eq!(status.code(), Some(0), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l == "wrapper got SIGTERM"),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l == "wrapper got SIGINT"),
        "{lines:#?}"
    );
    assert_gone(pid);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sigterm_shuts_a_concurrent_runtime_down_and_exits_0() {
    let dir = scratch_dir("signals-term");
    let bootstrap = wrapper(&dir);
    let mut server = Server::spawn(serve(&bootstrap, true, &["--concurrency", "2"]));
    let pid = invoke_once(&server, &dir);
    signal("-TERM", &server.pid().to_string());
    let (status, lines) = server.wait_exit(EXIT_WITHIN);
    assert_eq!(status.code(), Some(0), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l == "wrapper got SIGTERM"),
        "{lines:#?}"
    );
    assert_gone(pid);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn with_no_extension_the_runtimes_are_killed_and_serve_exits_0() {
    let dir = scratch_dir("signals-no-extension");
    let bootstrap = wrapper(&dir);
    let mut server = Server::spawn(serve(&bootstrap, false, &["--instances", "2"]));
    let pid = invoke_once(&server, &dir);
    signal("-INT", &server.pid().to_string());
    let (status, lines) = server.wait_exit(EXIT_WITHIN);
    assert_eq!(status.code(), Some(0), "{lines:#?}");
    assert!(
        !lines.iter().any(|l| l.starts_with("wrapper got ")),
        "{lines:#?}"
    );
    assert_gone(pid);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_invocation_running_at_the_signal_is_not_waited_for() {
    let dir = scratch_dir("signals-busy");
    let bootstrap = wrapper(&dir);
    let mut server = Server::spawn(serve(&bootstrap, true, &["--timeout", "600"]));
    let pid = invoke_once(&server, &dir);
    // `sleep` is never answered: the invocation runs until serve ends.
    let (addr, path) = (server.addr, server.path.clone());
    let client = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        let request =
            format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 5\r\n\r\nsleep");
        std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stream, &mut rest);
    });
    server.next_line_starting("START ");
    signal("-INT", &server.pid().to_string());
    let (status, lines) = server.wait_exit(EXIT_WITHIN);
    assert_eq!(status.code(), Some(0), "{lines:#?}");
    assert_gone(pid);
    client.join().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}
