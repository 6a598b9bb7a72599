//! Lambda Managed Instances concurrency: one process with `AWS_LAMBDA_MAX_CONCURRENCY` = N,
//! a Runtime API server that hands out up to N invocations at once, and enough events queued that
//! all N workers are always busy.
//!
//! Each measurement spawns the bootstrap itself (with the Lambda environment only, output
//! discarded) next to its own [`RuntimeApiServer`]: init = spawn → first `/next`; an invocation
//! = event handed out → answer received, by the server's clock; throughput = the queued events
//! over first hand-out → last answer; peak RSS = `VmHWM` of the process after the batch.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ruchy_lambda_local::{Event, InvocationRecord, Outcome, RuntimeApiServer, ServerConfig};

use crate::stats::Summary;
use crate::subjects::{Runtime, Workload};

/// The function timeout the server announces (`Lambda-Runtime-Deadline-Ms`).
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest init may take.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often to look whether a batch has been handed out.
const BATCH_POLL: Duration = Duration::from_millis(2);
/// How long to wait for all N workers to be blocked in `/next` before the warm-up.
const WORKERS_READY: Duration = Duration::from_secs(3);

/// How much of each measurement a run takes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The concurrency levels N.
    pub levels: Vec<usize>,
    /// Rounds: each runtime, workload and N gets a fresh process per round.
    pub rounds: usize,
    /// `sleep` events queued per round, per worker (N × this in all).
    pub sleep_per_worker: usize,
    /// `echo` events queued per round, whatever N.
    pub echo_events: usize,
    /// Unmeasured invocations before the batch, per worker.
    pub warmup_per_worker: usize,
    /// Extra cold starts per round that only time init.
    pub init_spawns: usize,
}

impl Plan {
    pub fn full() -> Plan {
        Plan {
            levels: vec![1, 2, 4, 8],
            rounds: 3,
            sleep_per_worker: 250,
            echo_events: 5_000,
            warmup_per_worker: 10,
            init_spawns: 9,
        }
    }

    pub fn smoke() -> Plan {
        Plan {
            levels: vec![1, 2],
            rounds: 1,
            sleep_per_worker: 12,
            echo_events: 40,
            warmup_per_worker: 2,
            init_spawns: 1,
        }
    }

    /// Events queued per round for `workload` at concurrency `n`.
    pub fn events(&self, workload: Workload, n: usize) -> usize {
        match workload {
            Workload::Sleep => self.sleep_per_worker * n,
            Workload::Echo => self.echo_events,
        }
    }
}

/// What one round of one runtime, workload and N measured.
#[derive(Debug, Clone)]
pub struct Round {
    /// Spawn → first `/next` of each cold start of the round.
    pub init: Vec<Duration>,
    /// Invocations per second over the batch.
    pub throughput: f64,
    /// Hand-out → answer of every invocation of the batch.
    pub latencies: Vec<Duration>,
    /// `VmHWM` after the batch, kB.
    pub rss_kb: u64,
    /// The server's own count of invocations in flight at once, at its peak; `None` when the
    /// server does not keep one.
    pub in_flight: Option<usize>,
    /// The same peak, from the records' hand-out and answer times.
    pub in_flight_records: usize,
}

/// Runs `path` with concurrency `n` and measures one round of `workload`.
pub fn measure(
    path: &Path,
    name: &str,
    workload: Workload,
    n: usize,
    plan: &Plan,
) -> Result<Round, String> {
    let fail = |what: String| format!("{name} (N = {n}): {what}");
    // Cold starts that only time init, then the one that runs the batch.
    let mut init = Vec::with_capacity(plan.init_spawns + 1);
    for _ in 0..plan.init_spawns {
        let server = RuntimeApiServer::start(server_config(n)).map_err(|e| fail(e.to_string()))?;
        let (_child, took) = start(path, n, &server).map_err(&fail)?;
        init.push(took);
    }
    let server = RuntimeApiServer::start(server_config(n)).map_err(|e| fail(e.to_string()))?;
    let (child, took) = start(path, n, &server).map_err(&fail)?;
    init.push(took);

    // Let every worker connect and ask, then warm them all up.
    let ready_by = Instant::now() + WORKERS_READY;
    while server.waiting_next() < n && Instant::now() < ready_by {
        std::thread::sleep(Duration::from_millis(1));
    }
    let warmup = run_batch(&server, workload, plan.warmup_per_worker * n).map_err(&fail)?;
    check_all(&warmup, workload).map_err(&fail)?;
    server.clear_history();

    let batch = run_batch(&server, workload, plan.events(workload, n)).map_err(&fail)?;
    check_all(&batch, workload).map_err(&fail)?;
    let rss_kb = child
        .peak_rss_kb()
        .ok_or_else(|| fail("no VmHWM reading".to_owned()))?;
    let mut first = None::<Instant>;
    let mut last = None::<Instant>;
    let mut latencies = Vec::with_capacity(batch.len());
    let mut edges = Vec::with_capacity(batch.len() * 2);
    for record in &batch {
        let (Some(out), Some(done)) = (record.handed_out_at, record.completed_at) else {
            return Err(fail("an invocation without timestamps".to_owned()));
        };
        first = Some(first.map_or(out, |f| f.min(out)));
        last = Some(last.map_or(done, |l| l.max(done)));
        latencies.push(done.saturating_duration_since(out));
        edges.push((out, 1));
        edges.push((done, -1));
    }
    let throughput = match (first, last) {
        (Some(first), Some(last)) if last > first => {
            batch.len() as f64 / (last - first).as_secs_f64()
        }
        _ => return Err(fail("no throughput interval".to_owned())),
    };
    Ok(Round {
        init,
        throughput,
        latencies,
        rss_kb,
        in_flight: server_max_in_flight(&server),
        in_flight_records: peak_overlap(edges),
    })
}

/// Spawns `path` with concurrency `n` against `server`; returns the process and its init (spawn
/// → first `/next`).
fn start(path: &Path, n: usize, server: &RuntimeApiServer) -> Result<(Process, Duration), String> {
    let mut command = Command::new(path);
    command
        .env_clear()
        .envs(lambda_environment(server, path))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(dir) = path.parent() {
        command.current_dir(dir);
    }
    // Classic Lambda sets nothing; Managed Instances set the variable.
    if n > 1 {
        command.env("AWS_LAMBDA_MAX_CONCURRENCY", n.to_string());
    }
    let spawned_at = Instant::now();
    let child = Process(
        command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", path.display()))?,
    );
    let first_next = server
        .wait_for_first_next(INIT_TIMEOUT)
        .ok_or("no /next within the init timeout")?;
    Ok((child, first_next.saturating_duration_since(spawned_at)))
}

/// The server for concurrency `n`: up to `n` invocations handed out at once.
fn server_config(n: usize) -> ServerConfig {
    ServerConfig {
        timeout: FUNCTION_TIMEOUT,
        max_concurrency: n,
        ..ServerConfig::default()
    }
}

/// The server's peak of invocations in flight at once, since its history was last cleared.
fn server_max_in_flight(server: &RuntimeApiServer) -> Option<usize> {
    Some(server.max_in_flight())
}

/// Queues `count` events at once and waits for all of them; their records, in queue order.
fn run_batch(
    server: &RuntimeApiServer,
    workload: Workload,
    count: usize,
) -> Result<Vec<InvocationRecord>, String> {
    let ids: Vec<String> = (0..count)
        .map(|_| server.enqueue(Event::new(workload.event())))
        .collect();
    // Generous: every event one after the other, at ten times the handler's own time, plus slack.
    let deadline = Instant::now() + workload.nominal() * 10 * count as u32 + FUNCTION_TIMEOUT * 3;
    // Poll until every event has been handed out, rather than wake on every answer: this process
    // shares the CPU with the runtime under test.
    while server.queued() > 0 {
        if Instant::now() >= deadline {
            return Err(format!("the batch of {count} did not finish in time"));
        }
        std::thread::sleep(BATCH_POLL);
    }
    let mut records = Vec::with_capacity(count);
    for id in &ids {
        let left = deadline.saturating_duration_since(Instant::now());
        let record = server
            .wait_for(id, left)
            .ok_or_else(|| format!("the batch of {count} did not finish in time"))?;
        records.push(record);
    }
    Ok(records)
}

fn check_all(records: &[InvocationRecord], workload: Workload) -> Result<(), String> {
    for record in records {
        let expected = workload.reply(&record.request_id, record.trace_id.as_deref());
        match &record.outcome {
            Outcome::Response(body) if *body == expected => {}
            Outcome::Response(body) => {
                return Err(format!(
                    "unexpected reply {:?} (expected {:?})",
                    String::from_utf8_lossy(body),
                    String::from_utf8_lossy(&expected)
                ));
            }
            other => return Err(format!("invocation failed: {other:?}")),
        }
    }
    Ok(())
}

/// The most intervals open at once, from their (instant, +1 at the start / −1 at the end) edges;
/// an end at the same instant as a start counts first.
fn peak_overlap(mut edges: Vec<(Instant, i32)>) -> usize {
    edges.sort_by_key(|&(at, delta)| (at, delta));
    let (mut open, mut peak) = (0i32, 0i32);
    for (_, delta) in edges {
        open += delta;
        peak = peak.max(open);
    }
    usize::try_from(peak).unwrap_or(0)
}

/// The environment Lambda gives a runtime (as the local Lambda's `Function` does).
fn lambda_environment(server: &RuntimeApiServer, path: &Path) -> Vec<(String, String)> {
    let name = "bench_function";
    let task_root = path
        .parent()
        .map_or_else(|| ".".to_owned(), |d| d.display().to_string());
    [
        ("AWS_LAMBDA_RUNTIME_API", server.runtime_api()),
        ("AWS_LAMBDA_FUNCTION_NAME", name.to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]00000000000000000000000000000000".to_owned(),
        ),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("_HANDLER", "bootstrap".to_owned()),
        ("LAMBDA_TASK_ROOT", task_root),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
        ("TZ", ":UTC".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The runtime process; killed and reaped when dropped.
struct Process(Child);

impl Process {
    /// `VmHWM` from `/proc/<pid>/status`, kB.
    fn peak_rss_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line["VmHWM:".len()..]
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every measured round of one runtime, workload and N.
#[derive(Debug, Clone)]
pub struct Point {
    pub runtime: Runtime,
    pub workload: Workload,
    pub n: usize,
    pub rounds: Vec<Round>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap() {
        let t = Instant::now();
        let at = |ms: u64| t + Duration::from_millis(ms);
        let edges = vec![
            (at(0), 1),
            (at(10), -1),
            (at(5), 1),
            (at(15), -1),
            (at(10), 1),
            (at(20), -1),
        ];
        assert_eq!(peak_overlap(edges), 2);
        assert_eq!(peak_overlap(Vec::new()), 0);
    }
}

/// The figures of one [`Point`], over its rounds.
#[derive(Debug, Clone)]
pub struct PointFigures {
    /// Invocations per second, one per round.
    pub throughput: Summary,
    /// Hand-out → answer over every invocation of every round, ms.
    pub latency_ms: Summary,
    /// `VmHWM` after the batch, kB, one per round.
    pub rss_kb: Summary,
    /// Spawn → first `/next`, ms, every cold start of every round.
    pub init_ms: Summary,
    /// The server's peak in flight, the highest of the rounds.
    pub in_flight: Option<usize>,
    /// The peak in flight from the records, the highest of the rounds.
    pub in_flight_records: usize,
}

impl Point {
    /// `None` before the first round.
    pub fn figures(&self) -> Option<PointFigures> {
        let rounds = &self.rounds;
        let throughput: Vec<f64> = rounds.iter().map(|r| r.throughput).collect();
        let latency: Vec<Duration> = rounds.iter().flat_map(|r| r.latencies.clone()).collect();
        let rss: Vec<f64> = rounds.iter().map(|r| r.rss_kb as f64).collect();
        let init: Vec<Duration> = rounds.iter().flat_map(|r| r.init.clone()).collect();
        let ms = |s: Summary| Summary {
            min: s.min / 1e3,
            p5: s.p5 / 1e3,
            median: s.median / 1e3,
            p95: s.p95 / 1e3,
            p99: s.p99 / 1e3,
            max: s.max / 1e3,
            count: s.count,
        };
        Some(PointFigures {
            throughput: Summary::of(&throughput)?,
            latency_ms: ms(Summary::of_micros(&latency)?),
            rss_kb: Summary::of(&rss)?,
            init_ms: ms(Summary::of_micros(&init)?),
            in_flight: rounds.iter().filter_map(|r| r.in_flight).max(),
            in_flight_records: rounds
                .iter()
                .map(|r| r.in_flight_records)
                .max()
                .unwrap_or(0),
        })
    }
}
