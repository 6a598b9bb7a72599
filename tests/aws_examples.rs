//! The `dynamodb` and `s3` examples, built in release, on the local Lambda against moto: the
//! function's AWS client configured by its environment (`AWS_ENDPOINT_URL`, keys, region), the
//! table and bucket made by the test with ruchy-lambda-aws itself.
//!
//! moto's server comes from `MOTO_SERVER`, else the venv `.ci/run` makes in
//! `~/.cache/ruchy-lambda/moto-venv`; without either these tests fail saying so.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ruchy_lambda_aws::{Client, Credentials};
use ruchy_lambda_local::{Function, FunctionConfig, InvocationReport, Outcome, Output};
use serde_json::{Value, json};

/// moto's server on a free loopback port, killed when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    fn start() -> Moto {
        let program = match std::env::var_os("MOTO_SERVER") {
            Some(path) => PathBuf::from(path),
            None => {
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_default();
                home.join(".cache/ruchy-lambda/moto-venv/bin/moto_server")
            }
        };
        assert!(
            program.is_file(),
            "moto_server is not installed at {}: run `.ci/run` once (it makes the venv), or set \
             MOTO_SERVER to the path of moto_server (pip install 'moto[server]==5.2.6')",
            program.display()
        );
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let mut moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while request(port, "GET", "/moto-api/") != Some(200) {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server ended ({status}) before answering on port {port}");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer on port {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    fn port(&self) -> u16 {
        self.endpoint.rsplit(':').next().unwrap().parse().unwrap()
    }
}

/// The status of an unsigned, body-less request to moto (which does not check signatures).
fn request(port: u16, method: &str, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).ok()?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).ok()?;
    let _ = reader.read_to_end(&mut Vec::new());
    status_line.split(' ').nth(1)?.parse().ok()
}

const ACCESS_KEY: &str = "AKIDEXAMPLES";
const SECRET_KEY: &str = "examples-secret";

fn client(moto: &Moto) -> Client {
    Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY))
        .endpoint_url(&moto.endpoint)
        .build()
        .expect("a client")
}

/// The example on the local Lambda, its AWS client pointed at moto by its environment.
fn start(example: &str, moto: &Moto, env: &[(&str, &str)]) -> Function {
    let mut vars = vec![
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
    ];
    vars.extend_from_slice(env);
    let config = FunctionConfig {
        name: example.to_owned(),
        timeout: Duration::from_secs(30),
        env: support::env_vars(&vars),
        output: Output::Null,
        ..FunctionConfig::default()
    };
    Function::start(support::example(example), config).expect("start the example")
}

fn invoke(function: &mut Function, event: Value) -> InvocationReport {
    function.invoke(event.to_string()).expect("an invocation")
}

fn reply(report: &InvocationReport) -> Value {
    match &report.outcome {
        Outcome::Response(body) => serde_json::from_slice(body).expect("the reply is JSON"),
        other => panic!("expected a reply, got {other:?}"),
    }
}

/// The `errorType` and `errorMessage` of a failed invocation.
fn error(report: &InvocationReport) -> (String, String) {
    match &report.outcome {
        Outcome::Error(e) => {
            let body: Value = serde_json::from_slice(&e.body).expect("the error is JSON");
            (
                body["errorType"].as_str().expect("errorType").to_owned(),
                body["errorMessage"]
                    .as_str()
                    .expect("errorMessage")
                    .to_owned(),
            )
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn dynamodb_example_gets_and_puts_items_as_plain_json() {
    let moto = Moto::start();
    let client = client(&moto);
    let db = client.dynamodb();
    let _: Value = db
        .call(
            "CreateTable",
            &json!({
                "TableName": "items",
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        )
        .expect("CreateTable");
    let k3 = json!({
        "id": "k3",
        "name": "third",
        "count": 3,
        "price": 9.75,
        "tags": ["a", "b"],
        "dims": {"w": 2, "h": null},
        "active": true,
    });
    db.put_item("items", &k3).expect("PutItem");

    let mut function = start("dynamodb", &moto, &[("TABLE", "items")]);
    let report = invoke(&mut function, json!({"get": "k3"}));
    assert_eq!(reply(&report), json!({"found": true, "item": k3}));
    let report = invoke(&mut function, json!({"get": "nope"}));
    assert_eq!(reply(&report), json!({"found": false}));
    let n1 = json!({"id": "n1", "name": "x", "count": 3});
    let report = invoke(&mut function, json!({"put": n1}));
    assert_eq!(reply(&report), json!({"ok": true}));
    let report = invoke(&mut function, json!({"get": "n1"}));
    assert_eq!(reply(&report), json!({"found": true, "item": n1}));
    // What the function wrote, read by the test's own client.
    let stored: Option<Value> = db
        .get_item("items", &json!({"id": "n1"}), true)
        .expect("GetItem");
    assert_eq!(stored, Some(n1));
    assert_eq!(function.sandboxes_started(), 1);

    let mut missing = start("dynamodb", &moto, &[("TABLE", "no-such-table")]);
    let report = invoke(&mut missing, json!({"get": "k3"}));
    assert_eq!(
        error(&report),
        (
            "ResourceNotFoundException".to_owned(),
            "Requested resource not found".to_owned()
        )
    );
    // The error did not end the process.
    let report = invoke(&mut missing, json!({"get": "k3"}));
    assert_eq!(error(&report).0, "ResourceNotFoundException");
    assert_eq!(missing.sandboxes_started(), 1);
}

#[test]
fn s3_example_puts_gets_and_lists_keys() {
    let moto = Moto::start();
    assert_eq!(request(moto.port(), "PUT", "/photos"), Some(200));
    let mut function = start("s3", &moto, &[("BUCKET", "photos")]);

    let key = "dir/a b+é.txt";
    let report = invoke(&mut function, json!({"put": {"key": key, "body": "hello"}}));
    assert_eq!(reply(&report), json!({"ok": true}));
    let report = invoke(
        &mut function,
        json!({"put": {"key": "dir/sub/ü&=?.txt", "body": "second"}}),
    );
    assert_eq!(reply(&report), json!({"ok": true}));
    let report = invoke(
        &mut function,
        json!({"put": {"key": "other.txt", "body": ""}}),
    );
    assert_eq!(reply(&report), json!({"ok": true}));

    let report = invoke(&mut function, json!({"get": key}));
    assert_eq!(reply(&report), json!({"body": "hello"}));
    let report = invoke(&mut function, json!({"list": "dir/"}));
    assert_eq!(reply(&report), json!({"keys": [key, "dir/sub/ü&=?.txt"]}));
    // What the function wrote, read by the test's own client.
    let text = client(&moto)
        .s3()
        .get_object("photos", key)
        .expect("GetObject")
        .text()
        .expect("the body");
    assert_eq!(text, "hello");

    let report = invoke(&mut function, json!({"get": "dir/missing"}));
    let (error_type, message) = error(&report);
    assert_eq!(error_type, "NoSuchKey");
    assert_eq!(message, "The specified key does not exist.");

    let mut missing = start("s3", &moto, &[("BUCKET", "no-such-bucket")]);
    let report = invoke(&mut missing, json!({"list": ""}));
    let (error_type, message) = error(&report);
    assert_eq!(error_type, "NoSuchBucket");
    assert_eq!(message, "The specified bucket does not exist");
}
