//! Concurrent invocations (`AWS_LAMBDA_MAX_CONCURRENCY`, Lambda Managed Instances) end to end:
//! real bootstraps, each worker on its own loopback connection to the local Lambda's Runtime
//! API server, which lets up to N invocations be in flight and counts them.
//!
//! - the `sleep` example (a `#[handler]`), 4 workers: 4 in flight at once, each reply naming
//!   its own invocation;
//! - the core bootstrap (`fixtures/core_bootstrap.rs`, on `run_concurrent_with_init`): 10,000
//!   invocations on 8 workers with random waits, none lost, duplicated or crossed; invocation ids
//!   echoed; a 410; panics; no `_X_AMZN_TRACE_ID`; bad values of the variable; a worker that
//!   gives up;
//! - a state that is not `Sync` (`fixtures/unsync_state.rs`): one worker, and a start-up line
//!   that says why.

mod support;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use ruchy_lambda_local::faults::{Endpoint, Fault, FaultPlan, When};
use ruchy_lambda_local::{Event, InvocationRecord, Outcome, RuntimeApiServer, ServerConfig};
use serde_json::{Value, json};
use support::{CORE_BOOTSTRAP, Running};

const UNSYNC_STATE: &str = env!("CARGO_BIN_EXE_unsync-state");

fn server(max_concurrency: usize) -> RuntimeApiServer {
    server_with(ServerConfig {
        max_concurrency,
        ..ServerConfig::default()
    })
}

fn server_with(config: ServerConfig) -> RuntimeApiServer {
    RuntimeApiServer::start(ServerConfig {
        timeout: Duration::from_secs(60),
        ..config
    })
    .expect("start the Runtime API server")
}

/// Starts `bootstrap` with `AWS_LAMBDA_MAX_CONCURRENCY=workers`.
fn spawn(bootstrap: &str, server: &RuntimeApiServer, workers: usize) -> Running {
    let workers = workers.to_string();
    support::spawn(
        bootstrap,
        &server.runtime_api(),
        &[("AWS_LAMBDA_MAX_CONCURRENCY", workers.as_str())],
    )
}

/// Waits for every invocation in `ids` to finish; fails with the bootstrap's stderr if one does
/// not in time.
fn wait_all(
    server: &RuntimeApiServer,
    ids: &[String],
    limit: Duration,
    running: &Running,
) -> Vec<InvocationRecord> {
    let deadline = Instant::now() + limit;
    ids.iter()
        .map(|id| {
            let left = deadline.saturating_duration_since(Instant::now());
            server.wait_for(id, left).unwrap_or_else(|| {
                panic!(
                    "invocation {id} did not finish in {limit:?}; {} in flight; stderr:\n{}",
                    server.in_flight(),
                    running.stderr()
                )
            })
        })
        .collect()
}

fn reply(record: &InvocationRecord) -> Value {
    match &record.outcome {
        Outcome::Response(body) => serde_json::from_slice(body).expect("the reply is JSON"),
        other => panic!("invocation {}: {other:?}", record.request_id),
    }
}

#[test]
fn four_workers_run_four_invocations_at_once() {
    let server = server(4);
    let running = spawn(support::example("sleep").to_str().unwrap(), &server, 4);
    let ids: Vec<String> = (0..16)
        .map(|_| server.enqueue(Event::json(&json!({"ms": 200}))))
        .collect();
    let records = wait_all(&server, &ids, Duration::from_secs(30), &running);
    assert_eq!(
        server.max_in_flight(),
        4,
        "the server saw 4 invocations in flight at once"
    );
    for record in &records {
        let got = reply(record);
        assert_eq!(got["request_id"], record.request_id.as_str());
        assert_eq!(got["trace_id"], record.trace_id.as_deref().unwrap());
        assert_eq!((record.answers, record.rejected), (1, 0));
    }
    let connections: HashSet<u64> = records.iter().filter_map(|r| r.connection).collect();
    assert_eq!(connections.len(), 4, "one connection per worker");
    assert_eq!(server.connections_accepted(), 4);
    let stderr = running.kill();
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn ten_thousand_invocations_on_eight_workers_none_lost_duplicated_or_crossed() {
    const N: usize = 10_000;
    let server = server(8);
    let running = spawn(CORE_BOOTSTRAP, &server, 8);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let ids: Vec<String> = (0..N)
        .map(|token| {
            let ms = rng.below(3);
            server.enqueue(Event::json(
                &json!({"op": "sleep", "ms": ms, "token": token}),
            ))
        })
        .collect();
    let records = wait_all(&server, &ids, Duration::from_secs(240), &running);
    assert_eq!(server.max_in_flight(), 8);
    let mut invocation_ids = HashSet::new();
    for (token, record) in records.iter().enumerate() {
        let got = reply(record);
        assert_eq!(got["token"], token, "crossed: {got}");
        assert_eq!(
            got["request_id"],
            record.request_id.as_str(),
            "crossed: {got}"
        );
        assert_eq!(got["trace_id"], record.trace_id.as_deref().unwrap());
        let invocation_id = record.invocation_id.clone().unwrap();
        assert_eq!(got["invocation_id"], invocation_id.as_str());
        assert!(
            invocation_ids.insert(invocation_id),
            "invocation ids are unique"
        );
        assert_eq!(
            (record.answers, record.rejected),
            (1, 0),
            "answered exactly once: {}",
            record.request_id
        );
    }
    // Every request the server saw: one /next per invocation (plus the 8 still waiting, not
    // yet answered and so not yet logged), one /response each, nothing else.
    let log = server.request_log();
    let responses = log.iter().filter(|e| e.target.ends_with("/response"));
    assert_eq!(responses.clone().count(), N);
    assert!(responses.clone().all(|e| e.status == Some(202)));
    let nexts = log.iter().filter(|e| e.target.ends_with("/next")).count();
    assert_eq!(nexts, N);
    assert_eq!(log.len(), 2 * N, "no retries, no error reports");
    assert_eq!(server.connections_accepted(), 8);
    let stderr = running.kill();
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn every_answer_echoes_its_invocation_id_and_a_410_loses_nothing_else() {
    let plan = FaultPlan::new().on(Endpoint::Response, When::Nth(5), Fault::Status(410));
    let server = server_with(ServerConfig {
        max_concurrency: 4,
        faults: Some(plan.clone()),
        ..ServerConfig::default()
    });
    let running = spawn(CORE_BOOTSTRAP, &server, 4);
    let mut ids = Vec::new();
    for i in 0..40 {
        let event = if i % 4 == 3 {
            json!({"op": "fail", "type": "Odd", "message": format!("event {i}")})
        } else {
            json!({"op": "sleep", "ms": i % 3, "token": i})
        };
        ids.push(server.enqueue(Event::json(&event)));
    }
    // The invocation whose answer got the 410 stays in flight (the server never took its answer);
    // every other one is answered.
    let finished = support::wait_until(Duration::from_secs(30), || {
        let done = ids
            .iter()
            .filter(|id| server.record(id).is_some_and(|r| r.outcome.is_finished()))
            .count();
        (done == ids.len() - 1).then_some(())
    });
    assert!(finished.is_some(), "stderr:\n{}", running.stderr());
    assert_eq!(plan.fired().len(), 1);

    let records: HashMap<String, InvocationRecord> = server
        .records()
        .into_iter()
        .map(|r| (r.request_id.clone(), r))
        .collect();
    let pending: Vec<_> = records
        .values()
        .filter(|r| r.outcome == Outcome::Pending)
        .collect();
    assert_eq!(pending.len(), 1);
    for (i, id) in ids.iter().enumerate() {
        let record = &records[id];
        match &record.outcome {
            Outcome::Pending => {}
            Outcome::Error(error) => {
                assert_eq!(i % 4, 3);
                assert_eq!(error.error_type.as_deref(), Some("Odd"));
            }
            Outcome::Response(_) => assert_eq!(reply(record)["token"], i),
            other => panic!("invocation {i}: {other:?}"),
        }
    }
    // Each answer carried the invocation id of the invocation its path names.
    let answers: Vec<_> = server
        .request_log()
        .into_iter()
        .filter(|e| e.method == "POST")
        .collect();
    assert_eq!(answers.len(), ids.len());
    for entry in &answers {
        let request_id = entry.target.split('/').rev().nth(1).unwrap();
        let sent = records[request_id].invocation_id.as_deref();
        assert!(sent.is_some());
        assert_eq!(entry.invocation_id.as_deref(), sent, "{}", entry.target);
    }
    let stderr = running.kill();
    assert_eq!(
        stderr.matches("rejected with status 410").count(),
        1,
        "the 410 is logged and the worker goes on:\n{stderr}"
    );
}

#[test]
fn no_invocation_id_is_echoed_when_none_was_sent() {
    let server = server_with(ServerConfig {
        max_concurrency: 2,
        send_invocation_id: false,
        ..ServerConfig::default()
    });
    let running = spawn(CORE_BOOTSTRAP, &server, 2);
    let ids = [
        server.enqueue(Event::json(&json!({"op": "sleep", "ms": 1, "token": 1}))),
        server.enqueue(Event::json(
            &json!({"op": "fail", "type": "E", "message": "m"}),
        )),
    ];
    let records = wait_all(&server, &ids, Duration::from_secs(20), &running);
    assert_eq!(reply(&records[0])["invocation_id"], Value::Null);
    assert!(matches!(records[1].outcome, Outcome::Error(_)));
    let log = server.request_log();
    let posts: Vec<_> = log.iter().filter(|e| e.method == "POST").collect();
    assert_eq!(posts.len(), 2);
    assert!(posts.iter().all(|e| e.invocation_id.is_none()));
}

#[test]
fn with_workers_the_trace_id_is_on_the_context_not_in_the_environment() {
    let server = server(2);
    let running = spawn(CORE_BOOTSTRAP, &server, 2);
    let trace = "Root=1-5e34a614-10bdxmplf1fb44f07bc535a1;Parent=07f5xmpl2d1f6f85;Sampled=1";
    let id = server.enqueue(Event::json(&json!({"op": "context"})).trace_id(trace));
    let records = wait_all(&server, &[id], Duration::from_secs(20), &running);
    let got = reply(&records[0]);
    assert_eq!(got["xray_trace_id"], trace);
    assert_eq!(got["env_trace_id"], Value::Null);
    assert_eq!(
        got["invocation_id"],
        records[0].invocation_id.as_deref().unwrap()
    );
}

#[test]
fn a_panic_is_its_invocations_error_and_its_worker_goes_on() {
    let server = server(3);
    let running = spawn(CORE_BOOTSTRAP, &server, 3);
    let mut ids = Vec::new();
    for i in 0..30 {
        let event = if i % 5 == 0 {
            json!({"op": "panic", "message": format!("boom {i}")})
        } else {
            json!({"op": "sleep", "ms": 2, "token": i})
        };
        ids.push(server.enqueue(Event::json(&event)));
    }
    let records = wait_all(&server, &ids, Duration::from_secs(30), &running);
    for (i, record) in records.iter().enumerate() {
        if i % 5 == 0 {
            let Outcome::Error(error) = &record.outcome else {
                panic!("invocation {i}: {:?}", record.outcome);
            };
            assert_eq!(error.error_type.as_deref(), Some("Panic"));
            assert_eq!(
                error.error_message.as_deref(),
                Some(format!("boom {i}").as_str())
            );
        } else {
            assert_eq!(reply(record)["token"], i);
        }
    }
    assert_eq!(server.connections_accepted(), 3, "no worker was lost");
}

#[test]
fn a_bad_max_concurrency_is_an_init_error_not_a_panic() {
    for value in ["0", "four", "-2", "4096", " 4"] {
        let server = server(1);
        let running = support::spawn(
            CORE_BOOTSTRAP,
            &server.runtime_api(),
            &[("AWS_LAMBDA_MAX_CONCURRENCY", value)],
        );
        let (code, stderr) = running.wait(Duration::from_secs(20));
        assert_eq!(code, Some(1), "{value:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let expected = format!(
            "AWS_LAMBDA_MAX_CONCURRENCY is \"{value}\": expected a whole number from 1 to 1024"
        );
        assert!(stderr.contains(&expected), "{value:?}: {stderr}");
        let error = server
            .init_error()
            .expect("reported to /runtime/init/error");
        assert_eq!(
            error.error_type.as_deref(),
            Some("Runtime.InvalidConcurrency")
        );
        assert_eq!(error.error_message.as_deref(), Some(expected.as_str()));
        assert!(
            server.first_next_at().is_none(),
            "no worker asked for an event"
        );
    }
}

#[test]
fn a_worker_that_cannot_reach_the_runtime_api_ends_the_process() {
    let server = server(4);
    let running = spawn(CORE_BOOTSTRAP, &server, 4);
    assert!(
        support::wait_until(Duration::from_secs(20), || (server.waiting_next() == 4)
            .then_some(()))
        .is_some(),
        "4 workers wait for events"
    );
    drop(server);
    let (code, stderr) = running.wait(Duration::from_secs(30));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("giving up"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn one_worker_for_a_state_that_is_not_sync_and_a_line_that_says_why() {
    let server = server(4);
    let running = spawn(UNSYNC_STATE, &server, 4);
    let ids: Vec<String> = (0..8).map(|_| server.enqueue(Event::new("30"))).collect();
    let records = wait_all(&server, &ids, Duration::from_secs(30), &running);
    assert_eq!(server.max_in_flight(), 1, "one worker");
    assert_eq!(server.connections_accepted(), 1);
    let counts: Vec<String> = records
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Response(body) => String::from_utf8(body.clone()).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(counts, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    // One WARN record, in the text layout: time, empty request id (outside an invocation),
    // level, message.
    let stderr = running.kill();
    let fields: Vec<&str> = stderr.trim_end().split('\t').collect();
    assert_eq!(fields.len(), 4, "{stderr}");
    assert!(
        fields[0].ends_with('Z') && fields[0].len() == 24,
        "{stderr}"
    );
    assert_eq!(fields[1..3], ["", "WARN"]);
    assert_eq!(
        fields[3],
        "AWS_LAMBDA_MAX_CONCURRENCY is 4, but this function runs one worker: \
         the state `unsync_state::Counter` is not `Sync`, so workers cannot share it; make it \
         `Sync` (e.g. a `Mutex` or an atomic in place of a `RefCell` or a `Cell`) to run more"
    );

    // Without the variable (Lambda's default) it says nothing.
    let classic = self::server(1);
    let running = support::spawn(UNSYNC_STATE, &classic.runtime_api(), &[]);
    let records = wait_all(
        &classic,
        &[classic.enqueue(Event::new("0"))],
        Duration::from_secs(20),
        &running,
    );
    assert_eq!(records[0].outcome, Outcome::Response(b"1".to_vec()));
    assert_eq!(running.kill(), "");
}
