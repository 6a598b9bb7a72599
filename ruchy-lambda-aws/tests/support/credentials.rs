//! [`CredentialsServer`]: the container credentials endpoint, as Lambda and ECS give it to a
//! function through `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`: `GET` on the full URI, with the token as the
//! `Authorization` header, answers
//! `{"AccessKeyId","SecretAccessKey","Token","Expiration"}` (RFC 3339, UTC, whole seconds).

use std::io::BufReader;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::http;

/// The path of [`CredentialsServer::url`].
pub const PATH: &str = "/creds";

#[derive(Default)]
struct State {
    requests: usize,
    keys: Vec<(String, String, String)>,
}

/// A running credentials endpoint on loopback; stopped when dropped.
///
/// The n-th answer (from 1) hands out `AKIDn`, `SECRETn` and `TOKENn`, expiring the n-th
/// lifetime from now (the last lifetime for every answer past the list), rounded up to the
/// second. A request without the right `Authorization` (when a token is set) gets 401 when the
/// header is missing and 403 when it is wrong, and no keys; another path gets 404.
pub struct CredentialsServer {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    address: SocketAddr,
    thread: Option<JoinHandle<()>>,
    /// The full URI, `http://127.0.0.1:PORT/creds`.
    pub url: String,
}

impl Drop for CredentialsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl CredentialsServer {
    /// Starts the endpoint; `token` is the expected `Authorization` value (none: not checked),
    /// `lifetimes` how long each answer's credentials last (at least one).
    pub fn start(token: Option<&str>, lifetimes: &[Duration]) -> CredentialsServer {
        assert!(!lifetimes.is_empty(), "give at least one lifetime");
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a loopback port");
        let address = listener.local_addr().expect("the listener's address");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let token = token.map(str::to_string);
        let lifetimes = lifetimes.to_vec();
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = Arc::clone(&state);
                    let token = token.clone();
                    let lifetimes = lifetimes.clone();
                    std::thread::spawn(move || serve(stream, &state, token.as_deref(), &lifetimes));
                }
            })
        };
        CredentialsServer {
            state,
            stop,
            address,
            thread: Some(thread),
            url: format!("http://{address}{PATH}"),
        }
    }

    /// How many requests came, answered or refused.
    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().requests
    }

    /// The (access key, secret key, session token) handed out so far, in order.
    pub fn keys(&self) -> Vec<(String, String, String)> {
        self.state.lock().unwrap().keys.clone()
    }
}

/// Answers the requests of one kept-alive connection until it ends.
fn serve(stream: TcpStream, state: &Mutex<State>, token: Option<&str>, lifetimes: &[Duration]) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Ok(Some(request)) = http::read_request(&mut reader) {
        let (status, body) = answer(&request, state, token, lifetimes);
        let headers = [("Content-Type".to_string(), "application/json".to_string())];
        if http::write_response(&mut writer, status, &headers, body.as_bytes()).is_err()
            || request
                .header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        {
            return;
        }
    }
}

fn answer(
    request: &http::Recorded,
    state: &Mutex<State>,
    token: Option<&str>,
    lifetimes: &[Duration],
) -> (u16, String) {
    let mut state = state.lock().unwrap();
    state.requests += 1;
    let error = |code: &str, message: &str| serde_json::json!({"code": code, "message": message});
    if request.path.split('?').next() != Some(PATH) {
        return (404, error("NotFound", "no such path").to_string());
    }
    if request.method != "GET" {
        return (405, error("MethodNotAllowed", "use GET").to_string());
    }
    if let Some(token) = token {
        match request.header("authorization") {
            None => {
                let message = "the Authorization header is missing";
                return (401, error("Unauthorized", message).to_string());
            }
            Some(given) if given != token => {
                let message = "the Authorization token is not valid";
                return (403, error("Forbidden", message).to_string());
            }
            Some(_) => {}
        }
    }
    let n = state.keys.len() + 1;
    let lifetime = lifetimes[(n - 1).min(lifetimes.len() - 1)];
    let expiration = SystemTime::now() + lifetime;
    let seconds = expiration
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
        .ceil() as u64;
    let keys = (
        format!("AKID{n}"),
        format!("SECRET{n}"),
        format!("TOKEN{n}"),
    );
    state.keys.push(keys.clone());
    let body = serde_json::json!({
        "AccessKeyId": keys.0,
        "SecretAccessKey": keys.1,
        "Token": keys.2,
        "Expiration": rfc3339(seconds),
    });
    (200, body.to_string())
}

/// `2026-12-06T21:30:00Z` for seconds since 1970 (UTC).
pub fn rfc3339(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let in_day = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        in_day / 3_600,
        in_day / 60 % 60,
        in_day % 60
    )
}
