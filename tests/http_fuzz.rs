//! Fuzzing the runtime's HTTP response parser and the `/next` header → `Context` mapping.
//!
//! Inputs come from a seeded generator (deterministic: a failure prints the seed and the input):
//! valid responses built from parts (`Content-Length`, chunked with extensions and trailers, or
//! close-delimited; random headers and bodies), the same responses mutated (bytes flipped,
//! inserted, deleted, duplicated, spliced with HTTP tokens, truncated), and random bytes.
//!
//! Three targets, each with its invariants:
//! - `parse_head` on the bytes: never panics; a complete head is within the input and the caps;
//!   no prefix of a complete head is an error; a valid head decodes to exactly its parts.
//! - the whole client (`HttpClient`) against a loopback server that writes the bytes split at
//!   random points and closes: never panics, never hangs (a watchdog aborts after 10 s on one
//!   input), a valid response decodes to exactly its status, headers and body; the process's
//!   peak memory stays bounded.
//! - `RuntimeApiClient::next_invocation` against a loopback `/next` with random header values:
//!   the `Context` (or the error) is exactly what the headers say.
//!
//! CI runs a bounded number of inputs. The long run:
//! `FUZZ_INPUTS=10000000 cargo test --release -p ruchy-lambda-tests --test http_fuzz -- --ignored --nocapture`
//! (`FUZZ_CLIENT_INPUTS`, `FUZZ_CONTEXT_INPUTS` and `FUZZ_SEED` set the other counts and the seed).

mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ruchy_lambda_runtime_core::api::{
    ApiError, CLIENT_CONTEXT, COGNITO_IDENTITY, DEADLINE_MS, INVOKED_FUNCTION_ARN, REQUEST_ID,
    TENANT_ID, TRACE_ID, is_valid_request_id,
};
use ruchy_lambda_runtime_core::http::{HttpClient, HttpError, Limits, parse_head};
use ruchy_lambda_runtime_core::{Config, Endpoint, RuntimeApiClient};

// ---- a seeded generator -----------------------------------------------------------------------

/// splitmix64: small, fast, and good enough to drive a fuzzer.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A length, mostly small, sometimes large.
    fn len(&mut self, max: usize) -> usize {
        match self.below(8) {
            0 => 0,
            1..=5 => self.below(64.min(max) + 1),
            6 => self.below(4096.min(max) + 1),
            _ => self.below(max + 1),
        }
    }
}

const STATUSES: &[u16] = &[
    200, 200, 200, 202, 204, 304, 400, 404, 410, 413, 500, 503, 299,
];
const HEADER_NAMES: &[&str] = &[
    "Lambda-Runtime-Aws-Request-Id",
    "lambda-runtime-deadline-ms",
    "Lambda-Runtime-Trace-Id",
    "Content-Type",
    "X-Amzn-Remapped-Date",
    "Date",
    "connection",
    "x",
    "a!#$%&'*+-.^_`|~z",
];
const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b":",
    b" ",
    b"\t",
    b"0",
    b"\r\n0\r\n\r\n",
    b"Content-Length: ",
    b"Content-Length: 0\r\n",
    b"Content-Length: 18446744073709551616\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: gzip, chunked\r\n",
    b"Connection: close\r\n",
    b"FFFFFFFFFFFFFFFFF",
    b"7fffffffffffffff",
    b";ext=1",
    b"HTTP/1.1 200 OK\r\n",
    b"HTTP/1.0 ",
    b"\xff\xfe",
    b"\x00",
    b"\x7f",
];

/// What a valid response must decode to.
#[derive(Debug, Clone)]
struct Expected {
    status: u16,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    body: Vec<u8>,
}

fn header_value(rng: &mut Rng) -> Vec<u8> {
    let len = rng.len(200);
    let mut v: Vec<u8> = (0..len)
        .map(|_| match rng.below(10) {
            0 => b'\t',
            1 => 0x80 + rng.below(0x80) as u8,
            _ => 0x21 + rng.below(0x5e) as u8,
        })
        .collect();
    // Surrounding whitespace is not part of the value.
    while matches!(v.first(), Some(b'\t')) {
        v.remove(0);
    }
    while matches!(v.last(), Some(b'\t')) {
        v.pop();
    }
    v
}

/// A valid response (for a client that sent a GET) and what it decodes to. `close_ok`: the
/// body may be delimited by the end of the connection.
fn valid_response(rng: &mut Rng, close_ok: bool) -> (Vec<u8>, Expected) {
    let status = *rng.pick(STATUSES);
    let http10 = rng.chance(16);
    let eol: &[u8] = if rng.chance(8) { b"\n" } else { b"\r\n" };
    let mut out = format!(
        "HTTP/1.{} {status}{}",
        u8::from(!http10),
        if rng.chance(4) { "" } else { " Some Reason" }
    )
    .into_bytes();
    out.extend_from_slice(eol);
    let mut headers = Vec::new();
    for _ in 0..rng.len(40) {
        let name = rng.pick(HEADER_NAMES).as_bytes().to_vec();
        let value = header_value(rng);
        out.extend_from_slice(&name);
        out.push(b':');
        if rng.chance(2) {
            out.push(b' ');
        }
        out.extend_from_slice(&value);
        if rng.chance(8) {
            out.extend_from_slice(b" \t");
        }
        out.extend_from_slice(eol);
        headers.push((name, value));
    }
    let no_body = (100..200).contains(&status) || status == 204 || status == 304;
    let body: Vec<u8> = if no_body {
        Vec::new()
    } else {
        let max = if rng.chance(64) { 1 << 20 } else { 8192 };
        let len = rng.len(max);
        (0..len).map(|_| rng.next() as u8).collect()
    };
    let framing = rng.below(if close_ok { 3 } else { 2 });
    let mut add = |out: &mut Vec<u8>, name: &str, value: String| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(eol);
        headers.push((name.as_bytes().to_vec(), value.into_bytes()));
    };
    match framing {
        0 => {
            add(&mut out, "Content-Length", body.len().to_string());
            out.extend_from_slice(eol);
            out.extend_from_slice(&body);
        }
        1 => {
            add(&mut out, "Transfer-Encoding", "chunked".to_owned());
            out.extend_from_slice(eol);
            if !no_body {
                let mut rest = &body[..];
                while !rest.is_empty() {
                    let n = (1 + rng.len(rest.len())).min(rest.len());
                    let size = if rng.chance(2) {
                        format!("{n:x}")
                    } else {
                        format!("{n:X}")
                    };
                    out.extend_from_slice(size.as_bytes());
                    if rng.chance(8) {
                        out.extend_from_slice(b";name=value");
                    }
                    out.extend_from_slice(eol);
                    out.extend_from_slice(&rest[..n]);
                    out.extend_from_slice(eol);
                    rest = &rest[n..];
                }
                out.extend_from_slice(b"0");
                out.extend_from_slice(eol);
                if rng.chance(4) {
                    out.extend_from_slice(b"Trailer-Field: x");
                    out.extend_from_slice(eol);
                }
                out.extend_from_slice(eol);
            }
        }
        _ => {
            if http10 || rng.chance(2) {
                add(&mut out, "Connection", "close".to_owned());
            }
            out.extend_from_slice(eol);
            out.extend_from_slice(&body);
        }
    }
    let expected = Expected {
        status,
        headers,
        body,
    };
    (out, expected)
}

/// A well-formed response over a cap: more than 128 header fields, or a header section over
/// 64 KiB.
fn over_the_caps(rng: &mut Rng) -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\n".to_vec();
    if rng.chance(2) {
        for _ in 0..129 + rng.below(10_000) {
            out.extend_from_slice(b"a:b\r\n");
        }
    } else {
        out.extend_from_slice(b"X-Big: ");
        out.resize(out.len() + 65_000 + rng.below(8_000), b'v');
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    out
}

fn mutate(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(7) {
            0 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
            1 if at < bytes.len() => bytes[at] = rng.next() as u8,
            2 => {
                let end = (at + rng.len(64)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + rng.len(64)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
            4 => bytes.truncate(at),
            _ => {
                let token = rng.pick(TOKENS);
                bytes.splice(at..at, token.iter().copied());
            }
        }
    }
    bytes
}

/// One input, and what it must decode to when it is known to be valid.
fn input(rng: &mut Rng, close_ok: bool) -> (Vec<u8>, Option<Expected>) {
    match rng.below(16) {
        0 | 1 => {
            let len = rng.len(512);
            ((0..len).map(|_| rng.next() as u8).collect(), None)
        }
        2..=8 => {
            let (bytes, _) = valid_response(rng, close_ok);
            (mutate(rng, bytes), None)
        }
        9 => (over_the_caps(rng), None),
        _ => {
            let (bytes, expected) = valid_response(rng, close_ok);
            (bytes, Some(expected))
        }
    }
}

fn show(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(2048)];
    format!("{} bytes: {:?}", bytes.len(), String::from_utf8_lossy(cut))
}

/// Runs `check`, turning a panic into one that names the seed, the case and the input.
fn guarded<T>(seed: u64, case: u64, bytes: &[u8], check: impl FnOnce() -> T) -> T {
    match panic::catch_unwind(AssertUnwindSafe(check)) {
        Ok(value) => value,
        Err(payload) => {
            eprintln!("failing input: seed {seed}, case {case}, {}", show(bytes));
            panic::resume_unwind(payload)
        }
    }
}

/// How many inputs ended in each way (`ok`, or the error's variant).
type Tally = BTreeMap<String, u64>;

/// The variant name of an error, from its `Debug` form.
fn kind(e: &impl std::fmt::Debug) -> String {
    let text = format!("{e:?}");
    let end = text.find([' ', '(', '{']).unwrap_or(text.len());
    text[..end].to_owned()
}

fn print_tally(what: &str, tally: &Tally) {
    let parts: Vec<String> = tally.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("  {what}: {}", parts.join(", "));
}

// ---- parse_head -------------------------------------------------------------------------------

fn check_head(rng: &mut Rng, bytes: &[u8], expected: Option<&Expected>) -> String {
    let limits = Limits::default();
    let parsed = parse_head(bytes, &limits);
    match &parsed {
        Ok(Some(head)) => {
            assert!(head.len <= bytes.len() && head.len <= limits.max_head_bytes);
            assert!(head.headers.len() <= limits.max_headers);
            assert!((100..=999).contains(&head.status));
            for (name, value) in &head.headers {
                assert!(name.end <= head.len && value.end <= head.len);
                assert!(name.start < name.end && value.start <= value.end);
            }
            // Any shorter prefix asks for more bytes: never an error, never a different head.
            let cut = rng.below(head.len);
            assert!(
                matches!(parse_head(&bytes[..cut], &limits), Ok(None)),
                "prefix of {cut} bytes"
            );
        }
        Ok(None) => assert!(bytes.len() <= limits.max_head_bytes),
        Err(_) => {}
    }
    if let Some(expected) = expected {
        let Ok(Some(head)) = parsed else {
            panic!("a valid head was not parsed: {parsed:?}")
        };
        assert_eq!(head.status, expected.status);
        let headers: Vec<_> = head
            .headers
            .iter()
            .map(|(n, v)| (bytes[n.clone()].to_vec(), bytes[v.clone()].to_vec()))
            .collect();
        assert_eq!(headers, expected.headers);
        return "valid, decoded exactly".to_owned();
    }
    match parsed {
        Ok(Some(_)) => "complete head".to_owned(),
        Ok(None) => "incomplete".to_owned(),
        Err(e) => kind(&e),
    }
}

fn fuzz_parse_head(seed: u64, inputs: u64) -> Tally {
    let mut rng = Rng(seed);
    let mut tally = Tally::new();
    for case in 0..inputs {
        let (bytes, expected) = input(&mut rng, true);
        let mut check_rng = Rng(rng.next());
        let outcome = guarded(seed, case, &bytes, || {
            check_head(&mut check_rng, &bytes, expected.as_ref())
        });
        *tally.entry(outcome).or_default() += 1;
    }
    tally
}

// ---- the whole client over loopback -----------------------------------------------------------

/// What the loopback server writes for one connection: the bytes, in pieces ending at `cuts`.
struct Script {
    bytes: Vec<u8>,
    cuts: Vec<usize>,
    pause: bool,
}

/// A server that answers each connection's first request with the next script, then closes.
fn loopback() -> (String, mpsc::Sender<Script>, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = mpsc::channel::<Script>();
    let server = thread::spawn(move || {
        while let Ok(script) = rx.recv() {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let _ = stream.set_nodelay(true);
            if read_request_head(&mut stream) {
                let mut from = 0;
                for &cut in script.cuts.iter().chain([&script.bytes.len()]) {
                    if stream.write_all(&script.bytes[from..cut]).is_err() {
                        break;
                    }
                    from = cut;
                    if script.pause {
                        thread::sleep(Duration::from_micros(200));
                    }
                }
            }
            let _ = stream.shutdown(Shutdown::Write);
            // Let the client read to the end before the socket goes.
            let _ = stream.read(&mut [0u8; 64]);
        }
    });
    (addr, tx, server)
}

fn read_request_head(stream: &mut TcpStream) -> bool {
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&byte[..n]),
        }
    }
    true
}

fn script(rng: &mut Rng, bytes: Vec<u8>) -> Script {
    let mut cuts: Vec<usize> = (0..rng.below(6))
        .map(|_| rng.below(bytes.len() + 1))
        .collect();
    cuts.sort_unstable();
    Script {
        bytes,
        cuts,
        pause: rng.chance(16),
    }
}

/// Aborts the process when `progress` has not moved for 10 s: a hang is a failure too.
fn watchdog(progress: Arc<AtomicU64>, last_input: Arc<std::sync::Mutex<String>>) {
    thread::spawn(move || {
        let mut seen = u64::MAX;
        loop {
            thread::sleep(Duration::from_secs(10));
            let now = progress.load(Ordering::Relaxed);
            if now == u64::MAX {
                return;
            }
            if now == seen {
                eprintln!(
                    "no progress in 10 s on input {now}: {}",
                    last_input.lock().unwrap()
                );
                std::process::abort();
            }
            seen = now;
        }
    });
}

fn fuzz_client(seed: u64, inputs: u64) -> Tally {
    let mut tally = Tally::new();
    let (addr, tx, server) = loopback();
    let progress = Arc::new(AtomicU64::new(0));
    let last_input = Arc::new(std::sync::Mutex::new(String::new()));
    watchdog(Arc::clone(&progress), Arc::clone(&last_input));
    let mut rng = Rng(seed);
    let limits = Limits::default();
    for case in 0..inputs {
        let (bytes, expected) = input(&mut rng, true);
        *last_input.lock().unwrap() = format!("seed {seed}, case {case}, {}", show(&bytes));
        tx.send(script(&mut rng, bytes.clone())).unwrap();
        let outcome = guarded(seed, case, &bytes, || {
            let mut client = HttpClient::new(addr.clone());
            let result = client.request("GET", "/fuzz", &[], &[]);
            let outcome = match (&result, &expected) {
                (Ok(_), Some(_)) => "valid, decoded exactly".to_owned(),
                (Ok(_), None) => "ok".to_owned(),
                (Err(e), _) => kind(e),
            };
            if let Ok(response) = &result {
                assert!(response.body.len() <= limits.max_body_bytes);
                assert!(response.headers().count() <= limits.max_headers);
            }
            if let Some(expected) = &expected {
                let response = result.unwrap_or_else(|e| panic!("valid response refused: {e}"));
                assert_eq!(response.status, expected.status);
                let headers: Vec<_> = response
                    .headers()
                    .map(|(n, v)| (n.to_vec(), v.to_vec()))
                    .collect();
                assert_eq!(headers, expected.headers);
                assert!(response.body == expected.body, "body differs");
            }
            assert!(client.connections_opened() <= 1);
            outcome
        });
        *tally.entry(outcome).or_default() += 1;
        progress.store(case + 1, Ordering::Relaxed);
    }
    progress.store(u64::MAX, Ordering::Relaxed);
    drop(tx);
    let _ = TcpStream::connect(&addr);
    server.join().unwrap();
    tally
}

// ---- /next headers → Context ------------------------------------------------------------------

const CONTEXT_HEADERS: &[&str] = &[
    REQUEST_ID,
    DEADLINE_MS,
    INVOKED_FUNCTION_ARN,
    TRACE_ID,
    CLIENT_CONTEXT,
    COGNITO_IDENTITY,
    TENANT_ID,
];
const VALUE_PIECES: &[&[u8]] = &[
    b"a",
    b"Z",
    b"7",
    b"-",
    b".",
    b"_",
    b"/",
    b" ",
    b"\t",
    b"=",
    b";",
    b"{\"k\":\"v\"}",
    b"Root=1-5e34a614-10bdxmplf1fb44f07bc535a1",
    b"8476a536-e9f4-11e8-9739-2dfe598c3fcd",
    b"4102444800000",
    b"+",
    b"18446744073709551616",
    "é".as_bytes(),
    "😀".as_bytes(),
    b"\xff",
];

fn random_case(rng: &mut Rng, name: &str) -> String {
    name.chars()
        .map(|c| {
            if rng.chance(3) {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// A `/next` response with random Lambda headers, and the headers as sent (name, value).
fn next_response(rng: &mut Rng) -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let mut headers = Vec::new();
    let mut push = |rng: &mut Rng, name: &str, good: &[u8], good_odds: usize| {
        let name = random_case(rng, name);
        let mut value: Vec<u8> = if rng.below(10) < good_odds {
            good.to_vec()
        } else {
            (0..rng.len(12))
                .flat_map(|_| rng.pick(VALUE_PIECES).iter().copied())
                .collect()
        };
        if rng.chance(40) {
            let at = rng.below(value.len() + 1);
            value.insert(at, *rng.pick(&[0x01, 0x1f, 0x7f, 0x00]));
        }
        headers.push((name, value));
    };
    if !rng.chance(8) {
        push(rng, REQUEST_ID, b"8476a536-e9f4-11e8-9739-2dfe598c3fcd", 7);
    }
    if !rng.chance(8) {
        push(rng, DEADLINE_MS, b"4102444800000", 7);
    }
    for _ in 0..rng.below(8) {
        let name = rng_name(rng);
        push(rng, name, b"", 0);
    }
    let body: Vec<u8> = (0..rng.len(100)).map(|_| rng.next() as u8).collect();
    let mut out = b"HTTP/1.1 200 OK\r\n".to_vec();
    for (name, value) in &headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    (out, headers)
}

fn rng_name(rng: &mut Rng) -> &'static str {
    let names: &[&'static str] = if rng.chance(6) {
        &["X-Other"]
    } else {
        CONTEXT_HEADERS
    };
    names[rng.below(names.len())]
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// What `next_invocation` must make of `headers`.
fn check_context(
    headers: &[(String, Vec<u8>)],
    got: Result<ruchy_lambda_runtime_core::Invocation, ApiError>,
) {
    let bad_value = headers
        .iter()
        .any(|(_, v)| trim(v).iter().any(|&b| b != b'\t' && b.is_ascii_control()));
    if bad_value {
        assert!(
            matches!(got, Err(ApiError::Http(HttpError::InvalidHeader))),
            "{got:?}"
        );
        return;
    }
    let first = |name: &str| -> Option<String> {
        let (_, v) = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        String::from_utf8(trim(v).to_vec()).ok()
    };
    let Some(id) = first(REQUEST_ID) else {
        assert!(matches!(got, Err(ApiError::MissingRequestId)), "{got:?}");
        return;
    };
    if !is_valid_request_id(&id) {
        assert!(
            matches!(got, Err(ApiError::InvalidRequestId { .. })),
            "{got:?}"
        );
        return;
    }
    let Some(deadline) = first(DEADLINE_MS).and_then(|d| d.parse::<u64>().ok()) else {
        assert!(
            matches!(&got, Err(ApiError::MalformedInvocation { request_id, .. }) if *request_id == id),
            "{got:?}"
        );
        return;
    };
    let context = got
        .unwrap_or_else(|e| panic!("valid invocation refused: {e}"))
        .context;
    assert_eq!(context.request_id, id);
    assert_eq!(context.deadline_ms, deadline);
    assert_eq!(
        context.invoked_function_arn,
        first(INVOKED_FUNCTION_ARN).unwrap_or_default()
    );
    assert_eq!(context.xray_trace_id, first(TRACE_ID));
    assert_eq!(context.client_context, first(CLIENT_CONTEXT));
    assert_eq!(context.identity, first(COGNITO_IDENTITY));
    assert_eq!(context.tenant_id, first(TENANT_ID));
}

fn fuzz_context(seed: u64, inputs: u64) -> Tally {
    let mut tally = Tally::new();
    let (addr, tx, server) = loopback();
    let mut rng = Rng(seed);
    let config = Arc::new(Config::default());
    for case in 0..inputs {
        let (bytes, headers) = next_response(&mut rng);
        tx.send(script(&mut rng, bytes.clone())).unwrap();
        let outcome = guarded(seed, case, &bytes, || {
            let endpoint = Endpoint {
                authority: addr.clone(),
                base_path: "/2018-06-01".to_owned(),
            };
            let mut api = RuntimeApiClient::new(endpoint, Arc::clone(&config));
            let got = api.next_invocation();
            let outcome = match &got {
                Ok(_) => "ok".to_owned(),
                Err(ApiError::Http(e)) => format!("Http::{}", kind(e)),
                Err(e) => kind(e),
            };
            check_context(&headers, got);
            outcome
        });
        *tally.entry(outcome).or_default() += 1;
    }
    drop(tx);
    let _ = TcpStream::connect(&addr);
    server.join().unwrap();
    tally
}

// ---- runs -------------------------------------------------------------------------------------

fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn seed() -> u64 {
    env_count("FUZZ_SEED", 0x5eed)
}

#[test]
fn parse_head_holds_its_invariants() {
    let tally = fuzz_parse_head(seed(), env_count("FUZZ_CI_INPUTS", 50_000));
    print_tally("parse_head", &tally);
    // The inputs reach both the valid path and the error paths.
    assert!(tally["valid, decoded exactly"] > 10_000, "{tally:?}");
    for error in [
        "InvalidStatusLine",
        "InvalidHeader",
        "HeadTooLarge",
        "TooManyHeaders",
    ] {
        assert!(tally.contains_key(error), "no {error}: {tally:?}");
    }
}

#[test]
fn the_client_decodes_valid_responses_and_survives_the_rest() {
    let tally = fuzz_client(seed() ^ 1, 1_500);
    print_tally("client", &tally);
    assert!(tally["valid, decoded exactly"] > 300, "{tally:?}");
    for error in ["ClosedEarly", "InvalidStatusLine", "InvalidChunk"] {
        assert!(tally.contains_key(error), "no {error}: {tally:?}");
    }
}

#[test]
fn next_headers_map_to_the_context_exactly() {
    let tally = fuzz_context(seed() ^ 2, 1_500);
    print_tally("/next → Context", &tally);
    for outcome in [
        "ok",
        "MissingRequestId",
        "InvalidRequestId",
        "MalformedInvocation",
        "Http::InvalidHeader",
    ] {
        assert!(tally.contains_key(outcome), "no {outcome}: {tally:?}");
    }
}

/// Regression inputs: each a response that once misbehaved, or a corner worth keeping.
#[test]
fn corner_cases_of_the_parser() {
    let limits = Limits::default();
    for bytes in [
        &b""[..],
        b"\r\n\r\n",
        b"\n",
        b"HTTP/1.1 200 OK\r\n\r",
        b"HTTP/1.1 099 Low\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: \xff\r\n\r\n",
    ] {
        let mut rng = Rng(1);
        check_head(&mut rng, bytes, None);
    }
    assert!(matches!(
        parse_head(b"HTTP/1.1 200 OK\r\n\r\n", &limits),
        Ok(Some(h)) if h.len == 19 && h.status == 200
    ));
}

/// The long run; see the module docs for the command.
#[test]
#[ignore = "minutes: the long fuzz run"]
fn long_fuzz_run() {
    let seed = seed();
    let parser_inputs = env_count("FUZZ_INPUTS", 10_000_000);
    let client_inputs = env_count("FUZZ_CLIENT_INPUTS", parser_inputs / 50);
    let context_inputs = env_count("FUZZ_CONTEXT_INPUTS", parser_inputs / 100);
    let started = Instant::now();
    let parser_tally = fuzz_parse_head(seed, parser_inputs);
    let parser_time = started.elapsed();
    let started = Instant::now();
    let client_tally = fuzz_client(seed ^ 1, client_inputs);
    let client_time = started.elapsed();
    let started = Instant::now();
    let context_tally = fuzz_context(seed ^ 2, context_inputs);
    let context_time = started.elapsed();
    let hwm = support::proc_status_kb(std::process::id(), "VmHWM").unwrap_or(0);
    println!(
        "seed {seed:#x}: parse_head {parser_inputs} inputs in {parser_time:.1?}; client over \
         loopback {client_inputs} inputs in {client_time:.1?}; /next → Context \
         {context_inputs} inputs in {context_time:.1?}; peak RSS {hwm} kB; no failure"
    );
    print_tally("parse_head", &parser_tally);
    print_tally("client", &client_tally);
    print_tally("/next → Context", &context_tally);
    // Bodies are capped at 16 MiB; nothing may grow past a few of them.
    assert!(hwm < 256 * 1024, "peak RSS {hwm} kB");
}
