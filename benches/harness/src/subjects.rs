//! What is compared: the runtimes, the handlers, and the build configurations.

/// A Lambda runtime under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// This project: the `ruchy-lambda-examples` examples.
    Ours,
    /// The std-only hand-written loop in `benches/floor/`.
    Floor,
    /// The official `lambda_runtime` crate, in `benches/peer/`.
    Peer,
}

impl Runtime {
    pub const ALL: [Runtime; 3] = [Runtime::Floor, Runtime::Ours, Runtime::Peer];

    /// The name shown in tables.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Ours => "ruchy-lambda",
            Runtime::Floor => "floor",
            Runtime::Peer => "lambda_runtime",
        }
    }

    /// A short name for directories and result files.
    pub fn tag(self) -> &'static str {
        match self {
            Runtime::Ours => "ours",
            Runtime::Floor => "floor",
            Runtime::Peer => "peer",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Runtime::Floor => 0,
            Runtime::Ours => 1,
            Runtime::Peer => 2,
        }
    }
}

/// A handler, the same on every runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    Minimal,
    Echo,
    Fibonacci,
}

impl Handler {
    pub const ALL: [Handler; 3] = [Handler::Minimal, Handler::Echo, Handler::Fibonacci];

    /// The example (ours) and binary (floor, peer) name.
    pub fn name(self) -> &'static str {
        match self {
            Handler::Minimal => "minimal",
            Handler::Echo => "echo",
            Handler::Fibonacci => "fibonacci",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Handler::Minimal => 0,
            Handler::Echo => 1,
            Handler::Fibonacci => 2,
        }
    }

    /// The event every invocation of this handler is sent.
    pub fn event(self) -> &'static [u8] {
        match self {
            Handler::Minimal => b"{}",
            Handler::Echo => br#"{"hello":"world","items":[1,2,3],"nested":{"ok":true}}"#,
            Handler::Fibonacci => br#"{"n":35}"#,
        }
    }

    /// The reply every runtime must give to [`Handler::event`].
    pub fn reply(self) -> &'static [u8] {
        match self {
            Handler::Minimal => br#"{"statusCode":200,"body":"ok"}"#,
            Handler::Echo => self.event(),
            Handler::Fibonacci => br#"{"n":35,"fibonacci":9227465}"#,
        }
    }
}

/// The optimization setting of a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Cargo's dev profile, unchanged (smoke runs only).
    Dev,
    /// `--release` with opt-level `z` or `3`; otherwise fat LTO, one codegen unit, `panic =
    /// "abort"`, stripped.
    Release { opt_level: &'static str },
}

/// A build configuration: the same for all three runtimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub profile: Profile,
    /// Fully static (`-C target-feature=+crt-static`, explicit `--target`).
    pub crt_static: bool,
}

impl Config {
    /// The four configurations of a full run: opt-level z and 3, each dynamic and static.
    pub fn full() -> Vec<Config> {
        let mut configs = Vec::new();
        for crt_static in [false, true] {
            for opt_level in ["z", "3"] {
                configs.push(Config {
                    profile: Profile::Release { opt_level },
                    crt_static,
                });
            }
        }
        configs
    }

    pub fn smoke() -> Vec<Config> {
        vec![Config {
            profile: Profile::Dev,
            crt_static: false,
        }]
    }

    /// The name shown in headings and tables.
    pub fn label(self) -> String {
        let base = match self.profile {
            Profile::Dev => "dev profile".to_owned(),
            Profile::Release { opt_level } => format!("opt-level {opt_level}"),
        };
        if self.crt_static {
            format!("{base}, static")
        } else {
            base
        }
    }

    /// A short name for directories and result files.
    pub fn tag(self) -> String {
        let base = match self.profile {
            Profile::Dev => "dev".to_owned(),
            Profile::Release { opt_level } => opt_level.to_owned(),
        };
        if self.crt_static {
            format!("{base}-static")
        } else {
            base
        }
    }
}

/// A handler of the concurrency figures: every runtime's idiomatic 10 ms wait, and `echo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `{"ms":10}` → waits 10 ms (a blocking sleep on ruchy-lambda and the floor,
    /// `tokio::time::sleep` on the peer) → `{"ms":10,"request_id":…,"trace_id":…}`.
    Sleep,
    /// [`Handler::Echo`].
    Echo,
}

impl Workload {
    pub const ALL: [Workload; 2] = [Workload::Sleep, Workload::Echo];

    /// How long the handler itself takes, nominally.
    pub const SLEEP_MS: u64 = 10;

    pub fn name(self) -> &'static str {
        match self {
            Workload::Sleep => "sleep",
            Workload::Echo => "echo",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Workload::Sleep => 0,
            Workload::Echo => 1,
        }
    }

    /// The example (ours) or binary (floor, peer) that runs it. The peer's `echo` runs with
    /// `lambda_runtime::run`, which ignores `AWS_LAMBDA_MAX_CONCURRENCY`: `echo-concurrent` is
    /// the same handler under `run_concurrent`.
    pub fn binary(self, runtime: Runtime) -> &'static str {
        match (self, runtime) {
            (Workload::Echo, Runtime::Peer) => "echo-concurrent",
            (workload, _) => workload.name(),
        }
    }

    pub fn event(self) -> &'static [u8] {
        match self {
            Workload::Sleep => br#"{"ms":10}"#,
            Workload::Echo => Handler::Echo.event(),
        }
    }

    /// The handler's own time, nominally.
    pub fn nominal(self) -> std::time::Duration {
        match self {
            Workload::Sleep => std::time::Duration::from_millis(Workload::SLEEP_MS),
            Workload::Echo => std::time::Duration::from_millis(1),
        }
    }

    /// The reply every runtime must give to [`Workload::event`] in invocation `request_id`.
    pub fn reply(self, request_id: &str, trace_id: Option<&str>) -> Vec<u8> {
        match self {
            Workload::Sleep => {
                let trace = trace_id.map_or_else(|| "null".to_owned(), |t| format!("\"{t}\""));
                format!(
                    "{{\"ms\":{},\"request_id\":\"{request_id}\",\"trace_id\":{trace}}}",
                    Workload::SLEEP_MS
                )
                .into_bytes()
            }
            Workload::Echo => Handler::Echo.reply().to_vec(),
        }
    }
}
