//! moto's server (PyPI `moto[server]`) on loopback, started by a test and stopped when dropped.
//! `.ci/run` installs it in a venv and sets `MOTO_SERVER`; without `MOTO_SERVER` the venv's
//! usual place, `~/.cache/ruchy-lambda/moto-venv/bin/moto_server`, is tried.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use super::{START_DEADLINE, free_port, http};

/// A running moto server.
pub struct Moto {
    child: Child,
    program: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `moto_server` program: `MOTO_SERVER`, else the venv in `~/.cache/ruchy-lambda`; panics
/// saying how to install it when neither is there.
pub fn program() -> PathBuf {
    let program = match std::env::var_os("MOTO_SERVER") {
        Some(path) => PathBuf::from(path),
        None => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
                .unwrap_or_default();
            cache.join("ruchy-lambda/moto-venv/bin/moto_server")
        }
    };
    assert!(
        program.is_file(),
        "moto_server is not installed at {}: run `.ci/run` once (it makes the venv), or set \
         MOTO_SERVER to the path of moto_server (pip install 'moto[server]==5.2.6')",
        program.display()
    );
    program
}

/// The Python of the venv `moto_server` is installed in (next to it), which has botocore.
pub fn python() -> PathBuf {
    let program = program();
    let python = program.with_file_name("python");
    assert!(
        python.is_file(),
        "no python next to {} (MOTO_SERVER must be the moto_server of a venv)",
        program.display()
    );
    python
}

impl Moto {
    /// Starts moto's server on a free loopback port and waits (at most 60 s) until it answers.
    /// Panics when it is not installed (see [`program`]) or does not answer in time.
    pub fn start() -> Moto {
        let program = program();
        let port = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let mut moto = Moto {
            child,
            program,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + START_DEADLINE;
        loop {
            match http::request(&moto.endpoint, "GET", "/moto-api/", &[], b"", None) {
                Ok(response) if response.status == 200 => return moto,
                _ => {}
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server ended ({status}) before answering on port {port}");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer on port {port} within {START_DEADLINE:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// The Python of moto's venv (next to `moto_server`).
    pub fn python(&self) -> PathBuf {
        self.program.with_file_name("python")
    }
}
