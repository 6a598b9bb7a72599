//! The measurements, on the local Lambda (`ruchy-lambda-local`): each bootstrap runs under a
//! [`Function`] with its own Runtime API server, the Lambda environment only, output discarded.
//!
//! Times come from the server's own clocks, so the harness's reaction time is not in them:
//! init = spawn → first `/next` arrives ([`InvocationReport::init_duration`]); an invocation =
//! event handed out by `/next` → answer received ([`InvocationRecord::duration`]).

use std::path::Path;
use std::time::{Duration, Instant};

use ruchy_lambda_local::{
    Event, Function, FunctionConfig, InvocationRecord, InvocationReport, Outcome, Output,
    RuntimeApiServer, Shutdown,
};

use crate::subjects::Handler;

/// Longest any single invocation may take before the run is abandoned.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What every invocation of a subject is sent, and the reply it must get, byte for byte.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub event: Vec<u8>,
    pub reply: Vec<u8>,
}

impl From<Handler> for Exchange {
    /// [`Handler::event`] and [`Handler::reply`].
    fn from(handler: Handler) -> Exchange {
        Exchange {
            event: handler.event().to_vec(),
            reply: handler.reply().to_vec(),
        }
    }
}

/// A bootstrap under a local Lambda.
pub struct Subject {
    pub name: String,
    exchange: Exchange,
    function: Function,
}

impl Subject {
    /// Starts the local Lambda for `path`; the runtime is stopped at once (no figure comes from
    /// this first spawn).
    pub fn new(
        path: &Path,
        name: String,
        exchange: impl Into<Exchange>,
    ) -> Result<Subject, String> {
        Subject::with_output(path, name, exchange, Vec::new(), Output::Null)
    }

    /// [`Subject::new`] with more environment variables, and the runtime's stdout and stderr
    /// going to `output`.
    pub fn with_output(
        path: &Path,
        name: String,
        exchange: impl Into<Exchange>,
        env: Vec<(String, String)>,
        output: Output,
    ) -> Result<Subject, String> {
        Subject::with_config(path, name, exchange, function_config(env, output))
    }

    /// [`Subject::new`] with the local Lambda configured by `config` (see [`function_config`]).
    pub fn with_config(
        path: &Path,
        name: String,
        exchange: impl Into<Exchange>,
        config: FunctionConfig,
    ) -> Result<Subject, String> {
        let mut function = Function::start(path, config).map_err(|e| format!("{name}: {e}"))?;
        function.stop();
        Ok(Subject {
            name,
            exchange: exchange.into(),
            function,
        })
    }

    /// A cold start: a fresh process, one invocation. Returns init (spawn → first `/next`) and
    /// the peak RSS (`VmHWM`, kB) after that invocation; the process is stopped afterwards.
    pub fn cold_start(&mut self) -> Result<(Duration, u64), String> {
        let report = self.cold_invocation()?;
        let init = report
            .init_duration
            .ok_or_else(|| format!("{}: a cold start without init duration", self.name))?;
        let rss = report
            .max_memory_used_kb
            .ok_or_else(|| format!("{}: no peak memory reading", self.name))?;
        self.function.stop();
        Ok((init, rss))
    }

    /// A fresh process and its first invocation, checked; the process is left running.
    pub fn cold_invocation(&mut self) -> Result<InvocationReport, String> {
        self.function
            .restart()
            .map_err(|e| format!("{}: {e}", self.name))?;
        let report = self
            .function
            .invoke(self.event())
            .map_err(|e| format!("{}: {e}", self.name))?;
        self.check(&report.outcome)?;
        Ok(report)
    }

    /// Starts a process and answers one invocation, so that the next ones are warm.
    pub fn start_warm(&mut self) -> Result<(), String> {
        self.function.stop();
        let report = self
            .function
            .invoke(self.event())
            .map_err(|e| format!("{}: {e}", self.name))?;
        self.check(&report.outcome)
    }

    /// `count` invocations one after the other, each sent when the previous one is answered;
    /// their durations are appended to `samples`.
    pub fn invoke_warm(&mut self, count: usize, samples: &mut Vec<Duration>) -> Result<(), String> {
        let server = self.function.server();
        for _ in 0..count {
            let record = server
                .invoke(self.event(), INVOKE_TIMEOUT)
                .map_err(|e| format!("{}: {e}", self.name))?;
            self.check(&record.outcome)?;
            samples.push(duration(&record, &self.name)?);
        }
        server.clear_history();
        Ok(())
    }

    /// Invocations per second over `count` events queued at once: one process answers them back
    /// to back (the next event is waiting each time it asks). Measured from the first hand-out
    /// to the last answer.
    pub fn throughput(&mut self, count: usize) -> Result<f64, String> {
        let server: &RuntimeApiServer = self.function.server();
        server.clear_history();
        let ids: Vec<String> = (0..count).map(|_| server.enqueue(self.event())).collect();
        let last = ids.last().ok_or("throughput over no invocation")?;
        let deadline = Instant::now() + INVOKE_TIMEOUT * 6;
        server
            .wait_for(last, deadline.saturating_duration_since(Instant::now()))
            .ok_or_else(|| format!("{}: throughput batch did not finish", self.name))?;
        let records = server.records();
        let mut first = None::<Instant>;
        let mut end = None::<Instant>;
        for record in records.iter().filter(|r| ids.contains(&r.request_id)) {
            self.check(&record.outcome)?;
            let (Some(out), Some(done)) = (record.handed_out_at, record.completed_at) else {
                return Err(format!("{}: an invocation without timestamps", self.name));
            };
            first = Some(first.map_or(out, |f| f.min(out)));
            end = Some(end.map_or(done, |e| e.max(done)));
        }
        server.clear_history();
        match (first, end) {
            (Some(first), Some(end)) if end > first => {
                Ok(count as f64 / (end - first).as_secs_f64())
            }
            _ => Err(format!("{}: no throughput interval", self.name)),
        }
    }

    /// One more invocation; the process's peak RSS (`VmHWM`, kB) as the report gives it.
    pub fn peak_rss(&mut self) -> Result<u64, String> {
        let report = self
            .function
            .invoke(self.event())
            .map_err(|e| format!("{}: {e}", self.name))?;
        self.check(&report.outcome)?;
        report
            .max_memory_used_kb
            .ok_or_else(|| format!("{}: no peak memory reading", self.name))
    }

    /// Ends the process as Lambda ends an execution environment ([`Function::stop`]); how it
    /// ended, or `None` when none was running.
    pub fn stop(&mut self) -> Option<Shutdown> {
        self.function.stop()
    }

    /// The local Lambda running the bootstrap.
    pub fn function(&self) -> &Function {
        &self.function
    }

    fn event(&self) -> Event {
        Event::new(self.exchange.event.clone())
    }

    fn check(&self, outcome: &Outcome) -> Result<(), String> {
        match outcome {
            Outcome::Response(body) if *body == self.exchange.reply => Ok(()),
            Outcome::Response(body) => Err(format!(
                "{}: unexpected reply {:?}",
                self.name,
                String::from_utf8_lossy(body)
            )),
            other => Err(format!("{}: invocation failed: {other:?}", self.name)),
        }
    }
}

/// The local Lambda's configuration for a subject: the invocation timeout, only the Lambda
/// environment and `env`, the runtime's output to `output`.
pub fn function_config(env: Vec<(String, String)>, output: Output) -> FunctionConfig {
    FunctionConfig {
        timeout: INVOKE_TIMEOUT,
        clear_env: true,
        env,
        output,
        ..FunctionConfig::default()
    }
}

fn duration(record: &InvocationRecord, name: &str) -> Result<Duration, String> {
    record
        .duration()
        .ok_or_else(|| format!("{name}: an invocation without timestamps"))
}

/// The order in which to visit `n` subjects in round `round`: rotated, so that none is always
/// first (or always right after another one).
pub fn rotation(n: usize, round: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |i| (i + round) % n.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates() {
        assert_eq!(rotation(3, 0).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(rotation(3, 1).collect::<Vec<_>>(), [1, 2, 0]);
        assert_eq!(rotation(3, 5).collect::<Vec<_>>(), [2, 0, 1]);
        assert_eq!(rotation(0, 1).count(), 0);
    }
}
