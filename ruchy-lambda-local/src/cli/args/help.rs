//! The long help texts: what each command does, before its options, and its examples, after
//! them.

/// `ruchy-lambda-local --help`: before the commands.
pub(super) const ABOUT: &str = "\
ruchy-lambda-local: a local AWS Lambda for bootstraps built with ruchy-lambda (or any
provided.al2023 runtime). It serves the Lambda Runtime API on loopback, runs your bootstrap the
way Lambda does, and prints what CloudWatch would show.";

/// `ruchy-lambda-local --help`: after the options.
pub(super) const AFTER_HELP: &str = "\
Examples:
  ruchy-lambda-local invoke --example fibonacci '{\"n\":35}'
  ruchy-lambda-local serve --example fibonacci --port 8080
  ruchy-lambda-local serve --example http --http apigw-v2
  ruchy-lambda-local package --example minimal --target aarch64-unknown-linux-gnu
  ruchy-lambda-local invoke --ruchy handler.ruchy '{}'
  ruchy-lambda-local new my-function --http

Exit status: 0 on success, 1 when a function failed or something went wrong running it,
2 for bad input (options, event files, events).";

/// `--ruchy`, in the help of `invoke`, `serve` and `package`.
macro_rules! ruchy_handlers {
    () => {
        "Ruchy handlers: `--ruchy FILE` transpiles FILE with the `ruchy` transpiler (the program RUCHY
names, else `ruchy` on PATH) in a crate of its own under target/ruchy-lambda/ of the checkout
this command was built from, and builds it in release with `cargo build --release`. The crate is
kept: the next run only rebuilds what changed, and editing FILE rebuilds it. A transpile error
fails the build with the transpiler's message; with no transpiler, the message names the
command that installs it."
    };
}

/// The metadata endpoint, in the help of `invoke` and `serve`.
macro_rules! metadata_endpoint {
    () => {
        "The metadata endpoint, as on Lambda: the function gets AWS_LAMBDA_METADATA_API (the Runtime
API's host:port) and AWS_LAMBDA_METADATA_TOKEN (a random secret), and
GET http://$AWS_LAMBDA_METADATA_API/2026-01-15/metadata/execution-environment with
`Authorization: Bearer $AWS_LAMBDA_METADATA_TOKEN` answers {\"AvailabilityZoneID\":\"use1-az1\"}
(the region's first zone, or `--availability-zone-id`); a missing or wrong token gets 401."
    };
}

/// `invoke --help`: what it does.
pub(super) const INVOKE_NOTES: &str = concat!(
    "Each invocation prints on stderr what CloudWatch would show (START, the function's own output,
timeout and exit errors, END, REPORT with Init Duration on cold starts), then the reply on
stdout, one line per invocation. A failed invocation prints the error as Lambda returns it to the
caller ({\"errorType\":...,\"errorMessage\":...}) and makes the exit status 1. Several events
are sent to the same warm process, in order; with none, the event is {}.

A streamed reply (Lambda-Runtime-Function-Response-Mode: streaming) is printed on stdout as its
chunks arrive, then a newline; a function that fails mid-stream (error trailers) prints its error
on the next line, like any failed invocation. Duration on the REPORT line ends at the last chunk.

With `--concurrency N` (N > 1) the process runs as on Lambda Managed Instances: it gets
AWS_LAMBDA_MAX_CONCURRENCY=N and the events are sent in parallel, up to N at once. START is
printed when an invocation is handed out, the function's lines as they come (they cannot be
told apart by invocation), END and REPORT when it is answered; the replies are still printed in
the order of the events. A timeout then fails only that invocation: the process is not stopped.",
    "\n\n",
    metadata_endpoint!(),
    "\n\n",
    ruchy_handlers!()
);

/// `invoke --help`: examples.
pub(super) const INVOKE_EXAMPLES: &str = "\
Examples:
  ruchy-lambda-local invoke --example fibonacci '{\"n\":35}' '{\"n\":10}'
  echo '{\"n\":20}' | ruchy-lambda-local invoke --example fibonacci -
  ruchy-lambda-local invoke --bin target/release/examples/minimal --json --file event.json
  ruchy-lambda-local invoke --example sleep --concurrency 4 '{\"ms\":200}' '{\"ms\":200}'
  ruchy-lambda-local invoke --example minimal --log-format json --log-level warn '{}'
  ruchy-lambda-local invoke --ruchy examples/ruchy/fibonacci.ruchy '{\"n\":10}'";

/// `serve --help`: what it does.
pub(super) const SERVE_NOTES: &str = concat!(
    "Lambda's Invoke API, on --host and --port:

  POST /2015-03-31/functions/FUNCTION/invocations

  curl -d '{\"n\":35}' http://127.0.0.1:8080/2015-03-31/functions/function/invocations

FUNCTION is `function` (the Runtime Interface Emulator's name), `_` (what `cargo lambda invoke`
sends without a name) or the function's own name (`--name`), as a name or an ARN, unqualified or
qualified with $LATEST (also as `?Qualifier=`). Any other answers as Lambda does: status 404,
`X-Amzn-ErrorType: ResourceNotFoundException` and
{\"Type\":\"User\",\"Message\":\"Function not found: arn:aws:lambda:REGION:ACCOUNT:function:NAME\"}.

The reply comes back with status 200, `X-Amzn-RequestId` and `X-Amz-Executed-Version: $LATEST`;
a function error too, as the error JSON with the header `X-Amz-Function-Error: Unhandled`, as
Lambda's Invoke API does. The request's headers, as Lambda reads them:
  X-Amz-Invocation-Type  RequestResponse (the default): wait for the reply. Event: status 202
                         at once, empty body; the invocation runs in the background, its log
                         printed as any other (a throttled one is tried again until it runs; a
                         failed one is not retried, where Lambda retries it twice). DryRun:
                         status 204, nothing is invoked
  X-Amz-Log-Type         Tail: the reply has `X-Amz-Log-Result`, the last 4 KB of the
                         invocation's log (START, the function's lines, END and REPORT, in the
                         log format), base64-encoded; not for a reply streamed as it came (its
                         headers were sent first). None (the default): no log
Any other value of either is refused with status 400 and InvalidParameterValueException.

By default requests are queued and run one at a time on the same process; a crashed or
timed-out function is restarted (a cold start). START, the function's output, END and REPORT
lines go to stderr.

Stop with Ctrl-C (SIGINT) or SIGTERM: every process is ended as Lambda ends an execution
environment (reason spindown). With an extension registered (as a bootstrap with a shutdown
hook has), SHUTDOWN goes to the extensions registered for it, then SIGTERM, then SIGKILL after
`--shutdown-budget`; with none, SIGKILL at once. What the processes print meanwhile (a shutdown
hook's lines) is passed on, then the command exits 0. The processes run in a process group of
their own, so the terminal's Ctrl-C reaches only this command. Running invocations are not waited
for: a process busy with one gets 1 s to finish it, else it is killed (with `--concurrency`, it
is shut down at once and its invocations fail). A second Ctrl-C kills what is left and exits at
once. If this command is itself killed (SIGKILL), its processes are not: a ruchy-lambda runtime
exits once it can no longer reach the Runtime API.

A streamed reply is passed on as it arrives, as a function URL in RESPONSE_STREAM mode does:
status 200, `Transfer-Encoding: chunked`, the runtime's Content-Type. Once streaming has started
an error cannot be a header: a function that fails mid-stream ends the body with the trailers
`Lambda-Runtime-Function-Error-Type`, `Lambda-Runtime-Function-Error-Body` (the error JSON,
base64) and `X-Amz-Function-Error: Unhandled`. A reply of content type
application/vnd.awslambda.http-integration-response starts with a JSON prelude and 8 NUL bytes:
its `statusCode`, `headers` and `cookies` (as Set-Cookie) make the response's status and headers,
and what follows the NULs is the body. (With `--concurrency`, a streamed reply is sent whole,
once it ended.)

Scaling, as Lambda does it (choose one):
  --instances N     Classic Lambda: up to N processes, one invocation each. A process is
                    started (a cold start, with its own Init Duration) when a request finds
                    every running one busy; idle ones are reused first.
  --concurrency N   Lambda Managed Instances: one process with AWS_LAMBDA_MAX_CONCURRENCY=N
                    that takes up to N invocations at once. A timeout fails only that
                    invocation; the process runs on.
With either, a request that finds all N busy is throttled as Lambda throttles: status 429,
`X-Amzn-ErrorType: TooManyRequestsException` and the body
{\"errorType\":\"TooManyRequestsException\",\"errorMessage\":\"Rate Exceeded.\"}.

HTTP fronts: with `--http FRONT` every request (any method, any path) becomes the event that
front sends, and the function's reply becomes the HTTP response, as AWS does it:
  apigw-v2   API Gateway HTTP API, payload format 2.0 ($default route and stage)
  apigw-v1   API Gateway REST API, payload format 1.0, resource /{proxy+}, stage `--stage`
  alb        Application Load Balancer target group (`--multi-value-headers` to turn them on)
  url        Lambda function URL (payload 2.0); a reply streamed as
             application/vnd.awslambda.http-integration-response is passed on as it arrives

  curl -X POST 'http://127.0.0.1:8080/echo?x=1' --data-binary @photo.png

A body of a textual content type (text/*, JSON, XML, JavaScript) is passed as text, any other
as base64 with isBase64Encoded. The reply's statusCode, headers (and multiValueHeaders), cookies,
body and isBase64Encoded make the response; with payload 2.0 a reply that is JSON but not an
object with statusCode is sent as a 200 application/json body. A failed invocation, or a reply
the front does not accept, gets the front's error: 500 {\"message\":\"Internal Server Error\"}
(apigw-v2), 502 {\"message\": \"Internal server error\"} (apigw-v1), 502 Bad Gateway (alb),
502 Internal Server Error (url). A throttled request (see Scaling) gets 500 from API Gateway,
429 from a function URL and 503 from the load balancer. Only `url` streams: the other fronts
answer once the reply is complete.",
    "\n\n",
    "Several functions: `--function NAME=SOURCE`, repeated, serves each function under its NAME, from
SOURCE: `example:NAME` (built as `--example` is; `--package` applies), `bin:PATH` or
`ruchy:FILE`. It replaces `--example`, `--bin`, `--ruchy` and `--name`; a function given so is
invoked by its name only (not as `function` or `_`). `--env`, `--timeout`, `--memory`,
`--concurrency`, `--instances`, `--log-format`, `--log-level` and `--availability-zone-id` apply
to every function; a value prefixed with `NAME:` applies to that one only, over the unprefixed
one: `--timeout orders:10`, `--instances orders:2`, `--env orders:KEY=VALUE` (after the
unprefixed pairs, so that its own win). A prefix must name a function of `--function` (or the
one named with `--name`). With several functions, `--http` serves one of them:
`--http NAME:FRONT`.",
    "\n\n",
    "Durable functions: `--durable` (one function) or `--durable NAME` makes a function durable, as
Lambda's DurableConfig does: an invocation starts a durable execution, named in the answer's
X-Amz-Durable-Execution-Arn; Event answers 202 at once, RequestResponse the execution's result
once it ends (within 15 minutes). X-Amz-Durable-Execution-Name starts an execution once: the
same input gets it back, another input 409 DurableExecutionAlreadyStartedException. The function
saves its progress through Lambda's durable execution API on this port (AWS_ENDPOINT_URL_LAMBDA),
as AWS's durable SDKs call it: CheckpointDurableExecution, GetDurableExecutionState,
GetDurableExecution, GetDurableExecutionHistory, ListDurableExecutionsByFunction,
StopDurableExecution and SendDurableExecutionCallbackSuccess/Failure/Heartbeat. A PENDING reply
is invoked again when a wait ends, a step retry is due, a callback is answered or times out, or
an invoke of another served function completes. `--execution-timeout` and `--retention-days`
take a `NAME:` prefix.",
    "\n\n",
    metadata_endpoint!(),
    "\n\n",
    ruchy_handlers!()
);

/// `serve --help`: examples.
pub(super) const SERVE_EXAMPLES: &str = "\
Examples:
  ruchy-lambda-local serve --example fibonacci --port 8080
  ruchy-lambda-local serve --example http --http apigw-v1 --stage v1
  ruchy-lambda-local serve --bin target/release/bootstrap --instances 4 --timeout 10
  ruchy-lambda-local serve --function orders=example:orders --function auth=bin:./auth \\
      --timeout orders:10 --env LOG=debug --env auth:MODE=strict --http orders:apigw-v2";

/// `package --help`: what it does.
pub(super) const PACKAGE_NOTES: &str = concat!(
    "The zip is written to target/lambda/NAME/bootstrap.zip (the cargo target directory), or to
target/lambda/NAME-arm64/bootstrap.zip for an arm64 (aarch64) bootstrap. A bootstrap that needs
a glibc newer than 2.34 (the one provided.al2023 has) is refused: build it on an older system
or for a musl target.",
    "\n\n",
    ruchy_handlers!()
);

/// `new --help`: what it does.
pub(super) const NEW_NOTES: &str =
    "NAME is the crate's folder; its last part names the crate, its binary and the function. It
follows Cargo's rules for a package name, and Lambda's for a function name: ASCII letters,
digits, `-` and `_`, not starting with a digit, at most 64 characters, not a Rust keyword nor a
name Cargo reserves (test, std, core, build, deps, …). The folder must not exist, or be empty.

It gets:
  Cargo.toml            ruchy-lambda and serde, the release profile of ruchy-lambda's README
                        (opt-level \"z\", fat LTO, one codegen unit, stripped), and an empty
                        [workspace] so that it builds wherever it is
  src/main.rs           a typed JSON handler (an order in, a receipt out, an error for an empty
                        order) with its unit tests; with --http an HTTP function on
                        ruchy_lambda::http (GET /hello?name=Ada), with the `http` feature
  events/example.json   an event for it: {\"id\":7,\"qty\":2}, or with --http an API Gateway
                        HTTP API (payload 2.0) request for GET /hello?name=Ada
  README.md             how to build, test, invoke locally and package it
  .gitignore            /target

Then: cd NAME && cargo build --release && cargo test, and
  ruchy-lambda-local invoke --bin target/release/NAME --file events/example.json";

/// `new --help`: examples.
pub(super) const NEW_EXAMPLES: &str = "\
Examples:
  ruchy-lambda-local new orders
  ruchy-lambda-local new api --http --git https://github.com/ruchy-lambda/ruchy-lambda --tag v0.1.0";
