//! `serve`: functions behind Lambda's Invoke endpoint, as the Runtime Interface Emulator and
//! `sam local start-lambda` offer them: `POST /2015-03-31/functions/NAME/invocations`.
//!
//! One function (`--example`, `--bin`, `--ruchy`) or several side by side (`--function
//! NAME=SOURCE`, repeated), each with its own name (`AWS_LAMBDA_FUNCTION_NAME`), its own
//! processes and its own configuration. The rooms:
//!
//! - this file: the listener, the functions started, what the connections share ([`Served`]);
//! - [`connection`]: one keep-alive connection, its requests read one after another;
//! - [`invoke_api`]: the Invoke API (routing by name or ARN, invocation types, log tails);
//! - [`durable`]: durable functions (`--durable`): their executions, and Lambda's durable
//!   execution API on the same port;
//! - [`fronts`]: `--http FRONT`, an HTTP front instead of the Invoke API;
//! - [`pool`]: where one function's invocations run (a queue, `--instances`, `--concurrency`);
//! - [`relay`]: a streamed reply passed on to the client as it arrives;
//! - [`tail`]: the log kept for `X-Amz-Log-Type: Tail`;
//! - [`stop`]: SIGINT and SIGTERM, and Lambda's shutdown sequence for every runtime.
//!
//! The Invoke API as AWS's clients call it: a function is named by its name, also as an ARN and
//! qualified with `$LATEST`; with one function (not given with `--function`) also `function`
//! (the Runtime Interface Emulator's name) and `_` (what `cargo lambda invoke` sends without a
//! name). Another name gets Lambda's `404` `ResourceNotFoundException`
//! (`{"Type":"User","Message":"Function not found: ARN"}`). `X-Amz-Invocation-Type` is
//! `RequestResponse`, `Event` (`202` at once, the invocation run on a thread of its own) or
//! `DryRun` (`204`, nothing run); `X-Amz-Log-Type: Tail` sends the last 4 KB of the
//! invocation's log back, base64-encoded, in `X-Amz-Log-Result`: the function's lines are kept
//! through the [`FunctionConfig::output`](ruchy_lambda_local::FunctionConfig::output) sink of its process (see [`tail::LogTail`]).
//!
//! One thread per connection reads requests with the library's [`http`] module. Each function's
//! invocations go to it in one of three ways ([`pool::Pool`]):
//!
//! - by default, they take turns on one process (one at a time, as on Lambda), queued;
//! - `--instances N`: classic Lambda scaling, up to N processes (each a [`Function`](ruchy_lambda_local::Function)), started on
//!   demand (a cold start each), idle ones reused first;
//! - `--concurrency N`: Lambda Managed Instances, one process taking up to N at once; a
//!   dispatcher thread owns the [`Function`](ruchy_lambda_local::Function), submits requests to it and polls it.
//!
//! With `--instances` or `--concurrency`, a request that finds all N busy is throttled as Lambda
//! throttles: `429`, `X-Amzn-ErrorType: TooManyRequestsException`, and the body
//! `{"errorType":"TooManyRequestsException","errorMessage":"Rate Exceeded."}`.
//!
//! With `--http FRONT` (or `--http NAME:FRONT` among several functions) there is no Invoke
//! endpoint: every request becomes the event of that front (API Gateway, load balancer, function
//! URL) for that function, and the reply its HTTP response, with the library's
//! [`ruchy_lambda_local::front`]. Only the function URL streams; the other fronts answer once the
//! reply is complete, as they do on AWS.
//!
//! # Durable functions
//!
//! `--durable` (one function) or `--durable NAME` makes a function durable, as `DurableConfig`
//! does on Lambda, with `--execution-timeout [NAME:]SECONDS` (1 to 31,622,400, default 86,400)
//! and `--retention-days [NAME:]DAYS` (1 to 90, default 14); `--skip-time` makes waits, step
//! retry delays and the pause before a failed invocation is tried again pass at once. An invocation of it (`RequestResponse` or `Event`) starts a durable
//! execution: `X-Amz-Durable-Execution-Arn` in the answer, `202` at once for `Event`, the
//! execution's result for `RequestResponse` once it ends (within Lambda's 15 minutes; a failed
//! execution comes back as the function's error, `X-Amz-Function-Error: Unhandled`). An
//! `X-Amz-Durable-Execution-Name` already used gives that execution back, or Lambda's `409`
//! `DurableExecutionAlreadyStartedException` when the input differs. `DryRun` is answered as for
//! any function. The function saves its progress through the durable execution API that
//! [`durable`] serves under `/2025-12-01/` on this port (see [`durable::api`] for the
//! operations).
//!
//! # What every function is given
//!
//! Besides Lambda's own variables: `AWS_ENDPOINT_URL_LAMBDA`, this server's address, so that an
//! AWS SDK in a function invokes the functions served here and not AWS's (unless `--env` sets
//! it); and credentials (see [`super::source::aws_environment`]).
//!
//! # Stopping
//!
//! Each runtime runs in a process group of its own, so that a terminal's Ctrl-C reaches only
//! this process. SIGINT or SIGTERM then ends every runtime of every function as Lambda ends an
//! execution environment, all at once: `SHUTDOWN` (reason `spindown`) to the extensions
//! registered for it, `SIGTERM`, `SIGKILL` after `--shutdown-budget`; with no extension
//! registered, `SIGKILL` at once. What the runtimes write meanwhile (a shutdown hook's line) is
//! passed on, and the command exits 0. Nothing is accepted once the signal came, and running
//! invocations are not waited for, as Lambda shuts down only idle environments and a Ctrl-C
//! should end promptly: a process busy with an invocation gets [`BUSY_GRACE`] to finish it (then
//! it is shut down as an idle one), else it is killed; with `--concurrency` the process is shut
//! down at once and its running invocations fail. A second signal during the sequence kills what
//! is left and exits at once (status 128 + the signal).

mod connection;
mod durable;
mod fronts;
mod invoke_api;
mod pool;
mod relay;
mod stop;
mod tail;

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use ruchy_lambda_local::LogFormat;
use ruchy_lambda_local::front::FrontConfig;
#[cfg(doc)]
use ruchy_lambda_local::http;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::args::{DurableArgs, ServeArgs, ServedFunction};
use super::{CliError, log, source};
use connection::Reply;
use invoke_api::{INVOKE_PREFIX, INVOKE_SUFFIX, RIE_NAME};
use pool::Pool;

/// Connections served at once; more are answered `503` and closed.
const MAX_CONNECTIONS: usize = 256;

/// On SIGINT or SIGTERM, how long a process busy with an invocation is waited for before it is
/// killed (see [Stopping](self#stopping)).
const BUSY_GRACE: Duration = Duration::from_secs(1);

/// The answer to an invocation that comes after SIGINT or SIGTERM.
const STOPPING: &str = "the local Lambda is shutting down";

/// The running functions, shared by the connections.
struct Served {
    /// In the order they were given.
    functions: Vec<Deployed>,
    /// `function` and `_` name the one function served (it was not given with `--function`).
    aliases: bool,
    /// The ARN of a function without its name: `arn:aws:lambda:REGION:ACCOUNT:function:`, for
    /// the names not found.
    arn_prefix: String,
    connections: AtomicUsize,
    /// `--http`: the front before a function (its index), instead of the Invoke endpoint.
    front: Option<(usize, FrontConfig)>,
    /// SIGINT or SIGTERM came: no invocation starts any more.
    stopping: AtomicBool,
    /// The executions of the durable functions.
    durable: durable::Backend,
}

/// One function served.
struct Deployed {
    /// `AWS_LAMBDA_FUNCTION_NAME`: what the Invoke API calls it.
    name: String,
    /// Where its invocations run.
    pool: Pool,
    /// Its log format, for the log of `X-Amz-Log-Type: Tail`.
    log_format: LogFormat,
    /// Its `--shutdown-budget`.
    shutdown_budget: Duration,
    /// Its `AWS_REGION`.
    region: String,
    /// `--durable`: its `DurableConfig`.
    durable: Option<DurableArgs>,
}

/// Listens, starts the functions, and serves until SIGINT or SIGTERM (see
/// [Stopping](self#stopping)).
pub fn run(args: ServeArgs) -> Result<(), CliError> {
    let addr = resolve(&args.host, args.port)?;
    let listener = TcpListener::bind(addr)
        .map_err(|e| CliError::Failed(format!("cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Failed(format!("cannot listen on {addr}: {e}")))?;
    // From before the first runtime starts: a signal that comes while they start is kept and
    // handled once they run.
    let signals = Signals::new([SIGINT, SIGTERM])
        .map_err(|e| CliError::Failed(format!("cannot handle SIGINT and SIGTERM: {e}")))?;
    let endpoint = format!("http://{}", endpoint_address(local));
    let aliases = args.functions.len() == 1 && !args.functions[0].named;
    let mut functions = Vec::with_capacity(args.functions.len());
    let mut arn_prefix = String::new();
    for planned in &args.functions {
        let (deployed, prefix) = deploy(planned, &endpoint)?;
        if arn_prefix.is_empty() {
            arn_prefix = prefix;
        }
        functions.push(deployed);
    }
    let front = args.http.map(|(index, kind)| {
        let mut front = FrontConfig::new(kind);
        if let Some(stage) = &args.stage {
            front.stage = stage.clone();
        }
        front.multi_value_headers = args.multi_value_headers;
        front.region = functions[index].region.clone();
        front.function_name = functions[index].name.clone();
        (index, front)
    });
    let served = Arc::new(Served {
        functions,
        aliases,
        arn_prefix,
        connections: AtomicUsize::new(0),
        front,
        stopping: AtomicBool::new(false),
        durable: durable::Backend::new(args.skip_time),
    });
    {
        let served = Arc::clone(&served);
        thread::Builder::new()
            .name("signals".to_owned())
            .spawn(move || stop::on_signals(signals, served))
            .map_err(|e| CliError::Failed(format!("cannot handle SIGINT and SIGTERM: {e}")))?;
    }
    announce(&served, local);
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            Err(_) => {
                // Out of file descriptors and the like: wait rather than spin.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if served.stopping.load(Ordering::SeqCst) {
            // Stopping: the connection is closed unanswered.
            continue;
        }
        let served = Arc::clone(&served);
        if served.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            served.connections.fetch_sub(1, Ordering::SeqCst);
            let mut stream = stream;
            let reply = Reply::aws_error(503, "TooManyRequestsException", "too many connections");
            let _ = connection::write(&mut stream, &reply, true);
            continue;
        }
        let spawned = thread::Builder::new()
            .name("invoke-connection".to_owned())
            .spawn(move || {
                connection::serve(stream, &served);
                served.connections.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            thread::sleep(Duration::from_millis(10));
        }
    }
    Ok(())
}

/// Builds (or finds) one function's bootstrap and starts it; its ARN without its name.
fn deploy(planned: &ServedFunction, endpoint: &str) -> Result<(Deployed, String), CliError> {
    let bootstrap = source::resolve(&planned.source, None)?;
    let mut config = source::function_config(&planned.function, &bootstrap);
    // Out of reach of the terminal's Ctrl-C: the signal thread stops the runtimes.
    config.own_process_group = true;
    if !config
        .env
        .iter()
        .any(|(k, _)| k == source::LAMBDA_ENDPOINT_VARIABLE)
    {
        config.env.insert(
            0,
            (
                source::LAMBDA_ENDPOINT_VARIABLE.to_owned(),
                endpoint.to_owned(),
            ),
        );
    }
    let name = config.name.clone();
    let (pool, function_arn) = Pool::start(&bootstrap.path, config.clone(), planned.instances)?;
    let prefix = function_arn
        .strip_suffix(name.as_str())
        .unwrap_or(&function_arn)
        .to_owned();
    let deployed = Deployed {
        name,
        pool,
        log_format: config.log_format,
        shutdown_budget: config.shutdown_budget,
        region: config.region.clone(),
        durable: planned.durable,
    };
    Ok((deployed, prefix))
}

/// The first lines: where to send requests.
fn announce(served: &Served, local: SocketAddr) {
    match &served.front {
        Some((index, front)) => {
            log::line(&format!("listening on http://{local}/"));
            log::line(&format!(
                "front: {} before {} (every request becomes its event; {})",
                front.front.name(),
                served.functions[*index].name,
                front.domain_name()
            ));
        }
        None if served.aliases => log::line(&format!(
            "listening on http://{local}{INVOKE_PREFIX}{RIE_NAME}{INVOKE_SUFFIX}"
        )),
        None => {
            log::line(&format!("listening on http://{local}/"));
            for function in &served.functions {
                let durable = if function.durable.is_some() {
                    " (durable)"
                } else {
                    ""
                };
                log::line(&format!(
                    "  {}{durable}: POST http://{local}{INVOKE_PREFIX}{}{INVOKE_SUFFIX}",
                    function.name, function.name
                ));
            }
        }
    }
    if served.functions.iter().any(|f| f.durable.is_some()) {
        log::line(&format!(
            "durable execution API: http://{local}{}",
            durable::API_PREFIX
        ));
    }
}

/// The address a function reaches this server at: an unspecified address (`0.0.0.0`, `::`) is
/// reached on loopback.
fn endpoint_address(local: SocketAddr) -> SocketAddr {
    let mut reachable = local;
    if local.ip().is_unspecified() {
        reachable.set_ip(match local {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    reachable
}

/// `--host` and `--port` as an address to bind.
fn resolve(host: &str, port: u16) -> Result<SocketAddr, CliError> {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "`--host {host}`: not an address or a known host name"
            ))
        })
}

impl Served {
    /// The function the Invoke API's name (a name, a partial or a full ARN, with or without a
    /// qualifier) names: see [`invoke_api::find_function`].
    fn find(&self, name: &str, qualifier: Option<&str>) -> Result<&Deployed, String> {
        let names: Vec<&str> = self.functions.iter().map(|f| f.name.as_str()).collect();
        invoke_api::find_function(name, qualifier, &names, self.aliases, &self.arn_prefix)
            .map(|index| &self.functions[index])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_hosts() {
        assert_eq!(
            resolve("127.0.0.1", 80).unwrap(),
            "127.0.0.1:80".parse().unwrap()
        );
        assert_eq!(resolve("[::1]", 0).unwrap(), "[::1]:0".parse().unwrap());
        assert!(resolve("localhost", 1).is_ok());
        assert!(matches!(
            resolve("no such host!", 1),
            Err(CliError::Usage(_))
        ));
    }

    #[test]
    fn functions_reach_the_server_on_loopback() {
        let at = |a: &str| endpoint_address(a.parse().unwrap()).to_string();
        assert_eq!(at("0.0.0.0:9000"), "127.0.0.1:9000");
        assert_eq!(at("[::]:9000"), "[::1]:9000");
        assert_eq!(at("127.0.0.2:80"), "127.0.0.2:80");
    }
}
