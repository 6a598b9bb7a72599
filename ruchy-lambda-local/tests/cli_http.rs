//! `serve --http FRONT`: plain HTTP requests become API Gateway, load balancer and function URL
//! events, and the fixture's replies come back as those fronts answer — with a std TCP client.

#[path = "support/cli.rs"]
mod cli;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use cli::{BOOTSTRAP, Server};
use serde_json::{Value, json};

/// The binary body the tests send, and the one `/scripted` answers.
const PNG: [u8; 6] = [0x89, b'P', b'N', b'G', 0, 0xff];

/// A response as read off the wire.
#[derive(Debug)]
struct Response {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    chunked: bool,
}

impl Response {
    fn status(&self) -> u16 {
        self.status_line.split(' ').nth(1).unwrap().parse().unwrap()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The event `/event` echoed back.
    fn event(&self) -> Value {
        assert_eq!(self.status(), 200, "{self:?}");
        self.json()
    }
}

/// Sends one request (`Connection: close`) with extra header lines, reads the response.
fn send(addr: SocketAddr, method: &str, target: &str, headers: &[&str], body: &[u8]) -> Response {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    write_request(&mut writer, method, target, headers, body, true);
    read(&mut reader)
}

fn write_request(
    writer: &mut TcpStream,
    method: &str,
    target: &str,
    headers: &[&str],
    body: &[u8],
    close: bool,
) {
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: cli-http-test\r\nContent-Length: {}\r\n",
        body.len()
    );
    if close {
        head.push_str("Connection: close\r\n");
    }
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes()).unwrap();
    writer.write_all(body).unwrap();
}

/// Reads one response: a `Content-Length` body or a chunked one.
fn read(reader: &mut impl BufRead) -> Response {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status_line = line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(':').unwrap();
        headers.push((n.to_owned(), v.trim().to_owned()));
    }
    let mut response = Response {
        status_line,
        headers,
        body: Vec::new(),
        chunked: false,
    };
    if response
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        response.chunked = true;
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            let size = usize::from_str_radix(line.trim_end(), 16).unwrap();
            if size == 0 {
                // Trailers, then the empty line.
                loop {
                    line.clear();
                    reader.read_line(&mut line).unwrap();
                    if line.trim_end().is_empty() {
                        break;
                    }
                }
                break;
            }
            let mut data = vec![0; size + 2];
            reader.read_exact(&mut data).unwrap();
            response.body.extend_from_slice(&data[..size]);
        }
    } else {
        let length: usize = response
            .header("content-length")
            .map_or(0, |v| v.parse().unwrap());
        response.body = vec![0; length];
        reader.read_exact(&mut response.body).unwrap();
    }
    response
}

fn serve(args: &[&str]) -> Server {
    let mut all = vec!["--bin", BOOTSTRAP];
    all.extend_from_slice(args);
    Server::start(&all)
}

fn base64(text: &Value) -> Vec<u8> {
    ruchy_lambda_local::stream::base64_decode(text.as_str().unwrap()).unwrap()
}

#[test]
fn apigw_v2_events_and_replies() {
    let server = serve(&["--http", "apigw-v2"]);
    let r = send(
        server.addr,
        "POST",
        "/event?x=1&x=2&y=a%20b",
        &[
            "Cookie: a=1; b=2",
            "X-Multi: 1",
            "X-Multi: 2",
            "Content-Type: image/png",
        ],
        &PNG,
    );
    assert!(r.header("x-amzn-requestid").is_some(), "{r:?}");
    let e = r.event();
    assert_eq!(e["version"], "2.0");
    assert_eq!(e["routeKey"], "$default");
    assert_eq!(e["rawPath"], "/event");
    assert_eq!(e["rawQueryString"], "x=1&x=2&y=a%20b");
    assert_eq!(e["queryStringParameters"], json!({"x": "1,2", "y": "a b"}));
    assert_eq!(e["cookies"], json!(["a=1", "b=2"]));
    assert_eq!(e["headers"]["x-multi"], "1,2");
    assert_eq!(e["headers"]["content-type"], "image/png");
    assert_eq!(e["headers"]["x-forwarded-for"], "127.0.0.1");
    assert!(e["headers"].get("cookie").is_none());
    assert_eq!(e["isBase64Encoded"], true);
    assert_eq!(base64(&e["body"]), PNG);
    let c = &e["requestContext"];
    assert_eq!(c["http"]["method"], "POST");
    assert_eq!(c["http"]["path"], "/event");
    assert_eq!(c["http"]["protocol"], "HTTP/1.1");
    assert_eq!(c["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(c["http"]["userAgent"], "cli-http-test");
    assert_eq!(c["stage"], "$default");
    assert_eq!(
        c["domainName"],
        "ruchylocal.execute-api.us-east-1.amazonaws.com"
    );
    assert!(c["timeEpoch"].as_u64().unwrap() > 1_600_000_000_000);

    // A text body stays text; no query, no cookies: the fields are absent.
    let e = send(
        server.addr,
        "PUT",
        "/event",
        &["Content-Type: application/json"],
        br#"{"a":1}"#,
    )
    .event();
    assert_eq!(
        (e["body"].as_str(), &e["isBase64Encoded"]),
        (Some(r#"{"a":1}"#), &json!(false))
    );
    assert!(e.get("queryStringParameters").is_none() && e.get("cookies").is_none());

    let r = send(server.addr, "GET", "/scripted", &[], b"");
    assert_eq!(r.status_line, "HTTP/1.1 201 Created");
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(r.header("x-single"), Some("one"));
    assert_eq!(
        r.header("x-multi"),
        None,
        "payload 2.0 has no multiValueHeaders"
    );
    assert_eq!(r.all("set-cookie"), ["c=1; Path=/", "d=2"]);
    assert_eq!(r.body, PNG);

    let r = send(server.addr, "GET", "/bare", &[], b"");
    assert_eq!(r.status(), 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body, br#"{"bare":true}"#);

    let r = send(server.addr, "DELETE", "/fail", &[], b"");
    assert_eq!(r.status(), 500);
    assert_eq!(r.body, br#"{"message":"Internal Server Error"}"#);
}

#[test]
fn apigw_v1_events_and_replies() {
    let server = serve(&["--http", "apigw-v1", "--stage", "test", "--instances", "2"]);
    let e = send(
        server.addr,
        "POST",
        "/event?x=1&x=2&y=a%20b",
        &[
            "X-Multi: 1",
            "X-Multi: 2",
            "Cookie: a=1",
            "Content-Type: text/plain",
        ],
        b"hello",
    )
    .event();
    assert_eq!(e["resource"], "/{proxy+}");
    assert_eq!(e["path"], "/event");
    assert_eq!(e["httpMethod"], "POST");
    assert_eq!(e["headers"]["X-Multi"], "2");
    assert_eq!(e["headers"]["Cookie"], "a=1");
    assert_eq!(e["multiValueHeaders"]["X-Multi"], json!(["1", "2"]));
    assert_eq!(e["queryStringParameters"], json!({"x": "2", "y": "a b"}));
    assert_eq!(
        e["multiValueQueryStringParameters"],
        json!({"x": ["1", "2"], "y": ["a b"]})
    );
    assert_eq!(e["pathParameters"], json!({"proxy": "event"}));
    assert_eq!(e["stageVariables"], Value::Null);
    let c = &e["requestContext"];
    assert_eq!(c["path"], "/test/event");
    assert_eq!(c["stage"], "test");
    assert_eq!(c["resourcePath"], "/{proxy+}");
    assert_eq!(c["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(c["identity"]["userAgent"], "cli-http-test");
    assert_eq!(
        (e["body"].as_str(), &e["isBase64Encoded"]),
        (Some("hello"), &json!(false))
    );

    let e = send(server.addr, "GET", "/event", &[], b"").event();
    assert_eq!(e["queryStringParameters"], Value::Null);
    assert_eq!(e["multiValueQueryStringParameters"], Value::Null);
    assert_eq!(e["body"], Value::Null);

    let r = send(server.addr, "GET", "/scripted", &[], b"");
    assert_eq!(r.status(), 201);
    assert_eq!(r.header("x-single"), Some("one"));
    assert_eq!(r.all("x-multi"), ["a", "b"]);
    assert_eq!(
        r.all("set-cookie"),
        ["s=1", "t=2"],
        "payload 1.0 has no cookies"
    );
    assert_eq!(r.body, PNG);

    // A reply without statusCode: 200, its body.
    let r = send(server.addr, "GET", "/bare", &[], b"");
    assert_eq!((r.status(), r.body.len()), (200, 0));

    let r = send(server.addr, "GET", "/fail", &[], b"");
    assert_eq!(r.status(), 502);
    assert_eq!(r.body, br#"{"message": "Internal server error"}"#);
}

#[test]
fn alb_events_and_replies() {
    let server = serve(&["--http", "alb", "--name", "albfn"]);
    let e = send(
        server.addr,
        "POST",
        "/event?x=1&x=2&y=a%20b",
        &[
            "X-Multi: 1",
            "X-Multi: 2",
            "Content-Type: application/octet-stream",
        ],
        &PNG,
    )
    .event();
    assert_eq!(
        e["requestContext"]["elb"]["targetGroupArn"],
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/albfn/6d0ecf831eec9f09"
    );
    assert_eq!(e["httpMethod"], "POST");
    assert_eq!(e["path"], "/event");
    assert_eq!(e["queryStringParameters"], json!({"x": "2", "y": "a%20b"}));
    assert_eq!(e["headers"]["x-multi"], "2");
    assert_eq!(e["headers"]["user-agent"], "cli-http-test");
    assert!(e.get("multiValueHeaders").is_none());
    assert_eq!(e["isBase64Encoded"], true);
    assert_eq!(base64(&e["body"]), PNG);

    let r = send(server.addr, "GET", "/scripted", &[], b"");
    assert_eq!(r.status_line, "HTTP/1.1 201 Created");
    assert_eq!(r.header("x-single"), Some("one"));
    assert!(r.all("set-cookie").is_empty() && r.all("x-multi").is_empty());
    assert_eq!(r.body, PNG);

    let r = send(server.addr, "GET", "/fail", &[], b"");
    assert_eq!(r.status_line, "HTTP/1.1 502 Bad Gateway");
    assert_eq!(r.header("content-type"), Some("text/html"));

    let server = serve(&["--http", "alb", "--multi-value-headers"]);
    let e = send(
        server.addr,
        "GET",
        "/event?x=1&x=2",
        &["X-Multi: 1", "X-Multi: 2"],
        b"",
    )
    .event();
    assert!(e.get("headers").is_none() && e.get("queryStringParameters").is_none());
    assert_eq!(e["multiValueHeaders"]["x-multi"], json!(["1", "2"]));
    assert_eq!(
        e["multiValueQueryStringParameters"],
        json!({"x": ["1", "2"]})
    );
    assert_eq!(
        (e["body"].as_str(), &e["isBase64Encoded"]),
        (Some(""), &json!(false))
    );
    let r = send(server.addr, "GET", "/scripted", &[], b"");
    assert_eq!(r.all("x-multi"), ["a", "b"]);
    assert_eq!(r.all("set-cookie"), ["s=1", "t=2"]);
    assert_eq!(r.header("x-single"), None);
}

#[test]
fn function_url_events_replies_and_streams() {
    let server = serve(&["--http", "url"]);
    let e = send(server.addr, "GET", "/event?q=1", &["Cookie: a=1"], b"").event();
    assert_eq!(e["version"], "2.0");
    assert_eq!(e["cookies"], json!(["a=1"]));
    assert_eq!(e["queryStringParameters"], json!({"q": "1"}));
    assert_eq!(e["requestContext"]["accountId"], "anonymous");
    assert_eq!(
        e["requestContext"]["domainName"],
        "ruchylocal.lambda-url.us-east-1.on.aws"
    );
    assert!(e.get("body").is_none());

    let r = send(server.addr, "GET", "/scripted", &[], b"");
    assert_eq!(r.status(), 201);
    assert_eq!(r.all("set-cookie"), ["c=1; Path=/", "d=2"]);
    assert_eq!(r.body, PNG);

    // A streamed HTTP integration reply: status and headers from the prelude, body chunked.
    let r = send(server.addr, "GET", "/stream", &[], b"");
    assert!(r.chunked, "{r:?}");
    assert_eq!(r.status(), 202);
    assert_eq!(r.header("x-streamed"), Some("yes"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.all("set-cookie"), ["s=1"]);
    assert_eq!(r.body, b"first second");

    let r = send(server.addr, "GET", "/fail", &[], b"");
    assert_eq!(
        (r.status(), r.body.as_slice()),
        (502, &b"Internal Server Error"[..])
    );

    // With --concurrency the stream is kept whole, then answered the same way.
    let server = serve(&["--http", "url", "--concurrency", "2"]);
    let r = send(server.addr, "GET", "/stream", &[], b"");
    assert!(!r.chunked, "{r:?}");
    assert_eq!(r.status(), 202);
    assert_eq!(r.all("set-cookie"), ["s=1"]);
    assert_eq!(r.body, b"first second");
}

#[test]
fn a_stream_behind_api_gateway_is_answered_whole() {
    // API Gateway does not pass a stream on: the streamed prelude is no JSON reply.
    let server = serve(&["--http", "apigw-v2"]);
    let r = send(server.addr, "GET", "/stream", &[], b"");
    assert!(!r.chunked);
    assert_eq!(r.status(), 500);
}

#[test]
fn keep_alive_connections_serve_several_requests() {
    let server = serve(&["--http", "apigw-v2", "--log-format", "json"]);
    let stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    for _ in 0..3 {
        write_request(&mut writer, "GET", "/bare", &[], b"", false);
        let r = read(&mut reader);
        assert_eq!(r.body, br#"{"bare":true}"#);
    }
    // HEAD: the head only.
    write_request(&mut writer, "HEAD", "/bare", &[], b"", true);
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    let rest = String::from_utf8_lossy(&rest);
    assert!(rest.starts_with("HTTP/1.1 200 OK\r\n"), "{rest}");
    assert!(rest.ends_with("\r\n\r\n"), "{rest}");
}

/// The `http` example, a real `#[handler]` on `Request<Body>`, built with cargo, behind each
/// front.
#[test]
fn the_http_example_behind_each_front() {
    let source = cli::workspace().join("examples/http.rs");
    if !source.exists() {
        println!("skipped: no {}", source.display());
        return;
    }
    let mut build = std::process::Command::new(env!("CARGO"));
    build
        .args([
            "build",
            "--release",
            "-p",
            "ruchy-lambda-examples",
            "--example",
            "http",
        ])
        .current_dir(cli::workspace())
        .env("CARGO_TARGET_DIR", cli::nested_target_dir());
    let built = cli::run_with(build, b"", Duration::from_secs(900));
    assert_eq!(built.code(), Some(0), "{}", built.stderr);
    let bin = cli::nested_target_dir().join("release/examples/http");
    let bin = bin.to_str().unwrap();
    for front in ["apigw-v2", "apigw-v1", "alb", "url"] {
        let server = Server::start(&["--bin", bin, "--http", front]);
        let r = send(server.addr, "GET", "/hello?name=Ada", &[], b"");
        assert_eq!(
            (r.status(), r.body.as_slice()),
            (200, &b"hello Ada"[..]),
            "{front}: {r:?}"
        );
        let r = send(
            server.addr,
            "POST",
            "/echo",
            &["Content-Type: image/png"],
            &PNG,
        );
        assert_eq!(r.status(), 200, "{front}: {r:?}");
        assert_eq!(r.header("content-type"), Some("image/png"), "{front}");
        assert_eq!(r.body, PNG, "{front}");
        let r = send(server.addr, "GET", "/json", &[], b"");
        assert_eq!(r.json()["path"], "/json", "{front}");
        assert_eq!(
            send(server.addr, "GET", "/nope", &[], b"").status(),
            404,
            "{front}"
        );
    }
}
