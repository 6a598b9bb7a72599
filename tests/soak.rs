//! Soak: many echo invocations through one runtime process on the local Lambda, checking that
//! each reply equals its event, that no invocation is lost or answered twice, and that memory
//! stays flat.
//!
//! CI runs 10,000 invocations. The long run (a benchmark, not a test):
//! `SOAK_INVOCATIONS=1000000 cargo test --release -p ruchy-lambda-tests --test soak -- --ignored --nocapture`
//! prints the peak RSS of the runtime (`VmHWM`) at 10k, 100k and 1M and the time taken
//! (`SOAK_TRACE=fixed` sends one trace id throughout instead of a fresh one per invocation).

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ruchy_lambda_local::{Event, Function, FunctionConfig, Outcome, Output};

/// Invocations between two checks of the server's request log (then its history is cleared).
const BATCH: u64 = 10_000;

#[derive(Debug, Default)]
struct Summary {
    invocations: u64,
    lost: u64,
    duplicated: u64,
    wrong: u64,
    /// (invocations so far, runtime VmHWM kB, runtime VmRSS kB, elapsed)
    checkpoints: Vec<(u64, u64, u64, Duration)>,
    elapsed: Duration,
    sandboxes: u64,
    harness_hwm_kb: u64,
}

/// Where the invocations' X-Ray trace ids come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trace {
    /// A fresh one per invocation, as Lambda sends them.
    Fresh,
    /// The same one every time.
    Fixed,
}

fn soak(invocations: u64, checkpoints: &[u64], trace: Trace) -> Summary {
    let config = FunctionConfig {
        name: "soak".to_owned(),
        timeout: Duration::from_secs(30),
        output: Output::Null,
        ..FunctionConfig::default()
    };
    let mut f = Function::start(support::example("echo"), config).expect("start the echo example");
    let mut summary = Summary::default();
    let mut batch: Vec<String> = Vec::with_capacity(BATCH as usize);
    let started = Instant::now();
    for i in 0..invocations {
        let event = format!(r#"{{"i":{i},"pad":"{}"}}"#, "x".repeat((i % 61) as usize));
        let mut request = Event::new(event.as_str());
        if trace == Trace::Fixed {
            request = request.trace_id("Root=1-5e34a614-10bdxmplf1fb44f07bc535a1;Sampled=0");
        }
        let report = f.invoke(request).expect("invoke");
        match &report.outcome {
            Outcome::Response(body) if *body == event.as_bytes() => {}
            Outcome::Response(_) => summary.wrong += 1,
            _ => summary.lost += 1,
        }
        batch.push(report.request_id);
        let done = i + 1;
        if done % BATCH == 0 || done == invocations {
            check_batch(&f, &batch, &mut summary);
            batch.clear();
            f.server().clear_history();
        }
        if checkpoints.contains(&done) {
            let pid = f.pid().expect("the runtime is running");
            summary.checkpoints.push((
                done,
                support::proc_status_kb(pid, "VmHWM").unwrap_or(0),
                support::proc_status_kb(pid, "VmRSS").unwrap_or(0),
                started.elapsed(),
            ));
        }
    }
    summary.invocations = invocations;
    summary.elapsed = started.elapsed();
    summary.sandboxes = f.sandboxes_started();
    summary.harness_hwm_kb = support::proc_status_kb(std::process::id(), "VmHWM").unwrap_or(0);
    summary
}

/// Every invocation of the batch answered exactly once, by the server's records and its log.
fn check_batch(f: &Function, batch: &[String], summary: &mut Summary) {
    let mut posted: HashMap<&str, u32> = HashMap::new();
    let log = f.server().request_log();
    for entry in &log {
        if let Some(id) = entry
            .target
            .strip_suffix("/response")
            .and_then(|t| t.rsplit('/').next())
        {
            *posted.entry(id).or_default() += 1;
        }
    }
    for id in batch {
        let record = f
            .server()
            .record(id)
            .expect("a record for every invocation");
        match (
            record.answers,
            posted.get(id.as_str()).copied().unwrap_or(0),
        ) {
            (1, 1) => {}
            (0, _) | (_, 0) => summary.lost += 1,
            _ => summary.duplicated += 1,
        }
    }
    let unknown = posted.len().saturating_sub(batch.len());
    summary.duplicated += unknown as u64;
}

fn print(summary: &Summary) {
    println!(
        "{} invocations in {:.1?} ({:.0}/s): lost {}, duplicated {}, wrong reply {}, runtime \
         processes {}",
        summary.invocations,
        summary.elapsed,
        summary.invocations as f64 / summary.elapsed.as_secs_f64(),
        summary.lost,
        summary.duplicated,
        summary.wrong,
        summary.sandboxes
    );
    for (n, hwm, rss, at) in &summary.checkpoints {
        println!("  after {n}: runtime VmHWM {hwm} kB, VmRSS {rss} kB, at {at:.1?}");
    }
    println!("  harness VmHWM {} kB", summary.harness_hwm_kb);
}

fn assert_nothing_lost(summary: &Summary) {
    assert_eq!(
        (summary.lost, summary.duplicated, summary.wrong),
        (0, 0, 0),
        "{summary:?}"
    );
    assert_eq!(summary.sandboxes, 1, "one runtime process throughout");
}

fn assert_memory_flat(summary: &Summary) {
    // Memory is flat: the runtime's peak at the end is its peak early on, give or take a page
    // table or two.
    let first = summary.checkpoints.first().expect("checkpoints").1;
    let last = summary.checkpoints.last().expect("checkpoints").1;
    assert!(
        last <= first + 256,
        "runtime VmHWM grew from {first} to {last} kB"
    );
}

#[test]
fn ten_thousand_echo_invocations_one_process_nothing_lost() {
    let summary = soak(10_000, &[1_000, 10_000], Trace::Fresh);
    print(&summary);
    assert_nothing_lost(&summary);
}

/// Lambda sends a fresh trace id with every invocation, and the runtime puts it in
/// `_X_AMZN_TRACE_ID`. Through `std::env::set_var` each new value cost memory for good (glibc's
/// `setenv` never frees the string it replaces): some 140 bytes per invocation, 140 MB after a
/// million.
#[test]
fn memory_stays_flat_with_a_fresh_trace_id_per_invocation() {
    let summary = soak(10_000, &[1_000, 10_000], Trace::Fresh);
    print(&summary);
    assert_memory_flat(&summary);
}

/// The same with one trace id for every invocation: memory is flat, which pins the growth above
/// on setting `_X_AMZN_TRACE_ID` to a new value per invocation.
#[test]
fn memory_stays_flat_with_one_trace_id() {
    let summary = soak(10_000, &[1_000, 10_000], Trace::Fixed);
    print(&summary);
    assert_nothing_lost(&summary);
    assert_memory_flat(&summary);
}

/// The long run; see the module docs for the command.
#[test]
#[ignore = "minutes: the long soak"]
fn long_soak() {
    let invocations = std::env::var("SOAK_INVOCATIONS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000u64);
    let checkpoints: Vec<u64> = [10_000, 100_000, 1_000_000]
        .into_iter()
        .filter(|&c| c <= invocations)
        .chain([invocations])
        .collect();
    let trace = match std::env::var("SOAK_TRACE").as_deref() {
        Ok("fixed") => Trace::Fixed,
        _ => Trace::Fresh,
    };
    let summary = soak(invocations, &checkpoints, trace);
    print(&summary);
    assert_nothing_lost(&summary);
    assert_memory_flat(&summary);
}
