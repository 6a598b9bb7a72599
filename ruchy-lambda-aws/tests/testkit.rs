//! The test kit checked on its own: moto behind the signing proxy over HTTP and HTTPS, requests
//! signed here with the `aws-sigv4` crate and checked there by botocore; the credentials
//! endpoint; the scripted server's answers, resets and closes.

mod support;

use std::io::{BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use support::{CredentialsServer, Moto, Reply, ScriptedServer, SigningProxy, TestCa, http};

const ACCESS_KEY: &str = "AKIDTESTKIT";
const SECRET_KEY: &str = "testkit/secret+key";

/// S3's signing settings: the path as sent (not encoded once more, not normalized) and the
/// body's SHA-256 in `x-amz-content-sha256`.
fn s3_settings() -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings
}

/// The headers to send: `headers`, `Host` (the endpoint's authority) and what `aws-sigv4` adds
/// (`X-Amz-Date`, `Authorization`, …) for `method endpoint+path` with `body`.
fn signed(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    service: &str,
    settings: SigningSettings,
) -> Vec<(String, String)> {
    let (_, host, port) = http::split_endpoint(endpoint);
    let authority = format!("{host}:{port}");
    let mut all: Vec<(&str, &str)> = vec![("host", authority.as_str())];
    all.extend_from_slice(headers);
    let identity =
        aws_credential_types::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .expect("signing parameters")
        .into();
    let url = format!("{endpoint}{path}");
    let request = SignableRequest::new(method, url, all.iter().copied(), SignableBody::Bytes(body))
        .expect("a signable request");
    let (instructions, _) = sign(request, &params).expect("a signature").into_parts();
    let (added, _) = instructions.into_parts();
    let mut out: Vec<(String, String)> = all
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    out.extend(
        added
            .iter()
            .map(|h| (h.name().to_string(), h.value().to_string())),
    );
    out
}

fn send(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
    ca: Option<&TestCa>,
) -> http::Response {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    http::request(
        endpoint,
        method,
        path,
        &headers,
        body,
        ca.map(|ca| ca.ca_file.as_path()),
    )
    .unwrap_or_else(|e| panic!("{method} {endpoint}{path}: {e}"))
}

/// A DynamoDB call through `endpoint`, signed with `aws-sigv4`'s default settings.
fn dynamodb(
    endpoint: &str,
    ca: Option<&TestCa>,
    operation: &str,
    body: &serde_json::Value,
) -> http::Response {
    let target = format!("DynamoDB_20120810.{operation}");
    let body = body.to_string();
    let headers = signed(
        endpoint,
        "POST",
        "/",
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", &target),
        ],
        body.as_bytes(),
        "dynamodb",
        SigningSettings::default(),
    );
    send(endpoint, "POST", "/", &headers, body.as_bytes(), ca)
}

fn create_table(endpoint: &str, ca: Option<&TestCa>, name: &str) {
    let request = serde_json::json!({
        "TableName": name,
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    });
    let response = dynamodb(endpoint, ca, "CreateTable", &request);
    assert_eq!(response.status, 200, "CreateTable: {}", response.text());
}

fn table_names(response: &http::Response) -> serde_json::Value {
    assert_eq!(response.status, 200, "ListTables: {}", response.text());
    let answer: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    answer["TableNames"].clone()
}

#[test]
fn the_proxy_verifies_signed_dynamodb_calls_over_http_and_relays_motos_answers() {
    let moto = Moto::start();
    let proxy = SigningProxy::start(&moto.endpoint, ACCESS_KEY, SECRET_KEY, None);
    assert!(proxy.endpoint.starts_with("http://127.0.0.1:"));
    create_table(&proxy.endpoint, None, "orders");
    let response = dynamodb(&proxy.endpoint, None, "ListTables", &serde_json::json!({}));
    assert_eq!(table_names(&response), serde_json::json!(["orders"]));
    assert_eq!(proxy.mismatches(), Vec::<String>::new());
    assert_eq!(proxy.verified(), 2);
}

#[test]
fn the_proxy_verifies_signed_dynamodb_calls_over_https() {
    let moto = Moto::start();
    let ca = TestCa::new();
    let proxy = SigningProxy::start(&moto.endpoint, ACCESS_KEY, SECRET_KEY, Some(&ca));
    assert!(proxy.endpoint.starts_with("https://localhost:"));
    let response = dynamodb(
        &proxy.endpoint,
        Some(&ca),
        "ListTables",
        &serde_json::json!({}),
    );
    assert_eq!(table_names(&response), serde_json::json!([]));
    assert_eq!(proxy.verified(), 1, "{:?}", proxy.mismatches());

    // A client that trusts another CA refuses the proxy's certificate.
    let other = TestCa::other();
    let refused = http::request(
        &proxy.endpoint,
        "GET",
        "/__proxy/stats",
        &[],
        b"",
        Some(&other.ca_file),
    )
    .expect_err("a certificate from an untrusted CA");
    assert!(
        refused.to_string().contains("UnknownIssuer"),
        "refused for another reason: {refused}"
    );
    assert_eq!(proxy.verified(), 1);
}

#[test]
fn a_tampered_body_or_a_missing_signature_is_refused_with_the_canonical_request() {
    let moto = Moto::start();
    let proxy = SigningProxy::start(&moto.endpoint, ACCESS_KEY, SECRET_KEY, None);
    let signed_body = br#"{"TableName":"orders"}"#;
    let headers = signed(
        &proxy.endpoint,
        "POST",
        "/",
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "DynamoDB_20120810.DescribeTable"),
        ],
        signed_body,
        "dynamodb",
        SigningSettings::default(),
    );
    let response = send(
        &proxy.endpoint,
        "POST",
        "/",
        &headers,
        br#"{"TableName":"other"}"#,
        None,
    );
    assert_eq!(response.status, 403, "{}", response.text());
    let error: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    assert_eq!(
        error["__type"],
        "com.amazon.coral.service#InvalidSignatureException"
    );
    let mismatches = proxy.mismatches();
    assert_eq!(mismatches.len(), 1, "{mismatches:?}");
    assert!(mismatches[0].starts_with("POST / (dynamodb): expected signature "));
    assert!(mismatches[0].contains("canonical request (botocore):\nPOST\n/\n\ncontent-type:"));
    assert_eq!(proxy.verified(), 0);

    // The same signature with the body it was made for holds.
    let response = send(&proxy.endpoint, "POST", "/", &headers, signed_body, None);
    assert_eq!(
        response.status,
        400,
        "moto: no such table: {}",
        response.text()
    );
    assert_eq!(proxy.verified(), 1);

    // A secret key other than the proxy's makes another signature.
    let unsigned = send(&proxy.endpoint, "POST", "/", &[], b"{}", None);
    assert_eq!(unsigned.status, 403);
    let mismatches = proxy.mismatches();
    assert_eq!(mismatches.len(), 2);
    assert_eq!(mismatches[1], "POST /: no Authorization header");
}

#[test]
fn s3_requests_signed_with_s3s_settings_verify_and_double_encoded_ones_do_not() {
    let moto = Moto::start();
    let proxy = SigningProxy::start(&moto.endpoint, ACCESS_KEY, SECRET_KEY, None);
    let endpoint = proxy.endpoint.as_str();
    let s3 = |method: &str, path: &str, body: &[u8], settings: SigningSettings| {
        let headers = signed(endpoint, method, path, &[], body, "s3", settings);
        send(endpoint, method, path, &headers, body, None)
    };

    let response = s3("PUT", "/kit-bucket", b"", s3_settings());
    assert_eq!(response.status, 200, "CreateBucket: {}", response.text());

    // The key `dir/a b+é.txt`, percent-encoded once on the wire and in the signature.
    let key_path = "/kit-bucket/dir/a%20b%2B%C3%A9.txt";
    let body = b"hello, signed world";
    let response = s3("PUT", key_path, body, s3_settings());
    assert_eq!(response.status, 200, "PutObject: {}", response.text());
    let response = s3("GET", key_path, b"", s3_settings());
    assert_eq!(response.status, 200, "GetObject: {}", response.text());
    assert_eq!(response.body, body);

    // A query, decoded and encoded again by botocore.
    let response = s3(
        "GET",
        "/kit-bucket?list-type=2&prefix=dir%2F",
        b"",
        s3_settings(),
    );
    assert_eq!(response.status, 200, "ListObjectsV2: {}", response.text());
    assert!(
        response.text().contains("<Key>dir/a b+é.txt</Key>"),
        "{}",
        response.text()
    );
    assert_eq!(proxy.verified(), 4, "{:?}", proxy.mismatches());

    // A body other than the one whose hash was signed.
    let headers = signed(endpoint, "PUT", key_path, &[], body, "s3", s3_settings());
    let response = send(
        endpoint,
        "PUT",
        key_path,
        &headers,
        b"hello, forged world",
        None,
    );
    assert_eq!(response.status, 400, "{}", response.text());
    assert!(
        response
            .text()
            .contains("<Code>XAmzContentSHA256Mismatch</Code>")
    );
    assert_eq!(proxy.mismatches().len(), 1);
    let response = s3("GET", key_path, b"", s3_settings());
    assert_eq!(response.body, body, "the forged body did not reach moto");
    assert_eq!(proxy.verified(), 5, "{:?}", proxy.mismatches());

    // Signed the way other services are (the path encoded twice): S3 refuses it.
    let response = s3("GET", key_path, b"", SigningSettings::default());
    assert_eq!(response.status, 403, "{}", response.text());
    assert!(
        response
            .text()
            .contains("<Code>SignatureDoesNotMatch</Code>")
    );
    let mismatches = proxy.mismatches();
    assert_eq!(mismatches.len(), 2, "{mismatches:?}");
    assert!(
        mismatches[1].contains(&format!("\nGET\n{key_path}\n")),
        "{}",
        mismatches[1]
    );
    assert_eq!(proxy.verified(), 5);
}

#[test]
fn the_proxy_accepts_a_key_it_is_given_later() {
    let moto = Moto::start();
    let proxy = SigningProxy::start(&moto.endpoint, "AKIDOTHER", "other", None);
    let list = || dynamodb(&proxy.endpoint, None, "ListTables", &serde_json::json!({}));
    assert_eq!(list().status, 403);
    assert!(proxy.mismatches()[0].contains("unknown access key 'AKIDTESTKIT'"));
    proxy.accept_key(ACCESS_KEY, SECRET_KEY);
    assert_eq!(list().status, 200);
    assert_eq!(proxy.verified(), 1);
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

#[test]
fn the_credentials_server_checks_the_token_and_issues_fresh_keys() {
    let server = CredentialsServer::start(
        Some("secret-token"),
        &[Duration::from_secs(1), Duration::from_secs(3600)],
    );
    assert!(server.url.starts_with("http://127.0.0.1:"));
    assert!(server.url.ends_with("/creds"));
    let (endpoint, path) = server.url.split_at(server.url.rfind('/').expect("a path"));
    let get = |headers: &[(&str, &str)]| {
        http::request(endpoint, "GET", path, headers, b"", None).expect("an answer")
    };

    assert_eq!(get(&[]).status, 401);
    assert_eq!(get(&[("Authorization", "wrong")]).status, 403);
    assert!(server.keys().is_empty());

    let before = unix_seconds();
    let first = get(&[("Authorization", "secret-token")]);
    let second = get(&[("Authorization", "secret-token")]);
    let after = unix_seconds();
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.header("content-type"), Some("application/json"));
    let first: serde_json::Value = serde_json::from_slice(&first.body).expect("JSON");
    let second: serde_json::Value = serde_json::from_slice(&second.body).expect("JSON");
    assert_eq!(first["AccessKeyId"], "AKID1");
    assert_eq!(first["SecretAccessKey"], "SECRET1");
    assert_eq!(first["Token"], "TOKEN1");
    assert_eq!(second["AccessKeyId"], "AKID2");
    // RFC 3339 in UTC sorts as time does.
    let expires = |answer: &serde_json::Value| answer["Expiration"].as_str().unwrap().to_string();
    let within = |expiration: String, lifetime: u64| {
        let earliest = support::credentials::rfc3339(before + lifetime);
        let latest = support::credentials::rfc3339(after + lifetime + 1);
        assert!(
            earliest <= expiration && expiration <= latest,
            "{expiration} not in {earliest}..={latest}"
        );
    };
    within(expires(&first), 1);
    within(expires(&second), 3600);
    assert_eq!(
        server.keys(),
        vec![
            ("AKID1".into(), "SECRET1".into(), "TOKEN1".into()),
            ("AKID2".into(), "SECRET2".into(), "TOKEN2".into()),
        ]
    );
    assert_eq!(server.requests(), 4);

    let unknown = http::request(endpoint, "GET", "/other", &[], b"", None).expect("an answer");
    assert_eq!(unknown.status, 404);
}

#[test]
fn rfc3339_dates() {
    use support::credentials::rfc3339;
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_868_799), "2000-02-29T23:59:59Z");
    assert_eq!(rfc3339(1_796_592_600), "2026-12-06T21:30:00Z");
    assert_eq!(rfc3339(4_107_542_400), "2100-03-01T00:00:00Z");
}

fn raw_request(stream: &mut TcpStream, path: &str, body: &str) {
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("sent");
}

#[test]
fn the_scripted_server_answers_in_order_then_resets_and_closes() {
    let server = ScriptedServer::start(vec![
        Reply::Full {
            status: 200,
            headers: vec![("X-Step".into(), "one".into())],
            body: b"first".to_vec(),
        },
        Reply::json(503, &serde_json::json!({"__type": "ServiceUnavailable"})),
        Reply::ResetAfter {
            status: 200,
            headers: vec![],
            body: vec![b'x'; 100],
            send_bytes: 10,
        },
        Reply::Close,
    ]);
    let address = server.endpoint.strip_prefix("http://").expect("http");

    // Two answers on one kept-alive connection.
    let mut stream = TcpStream::connect(address).expect("connected");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("a clone"));
    raw_request(&mut stream, "/one", "a");
    let one = http::read_response(&mut reader, "POST").expect("an answer");
    assert_eq!((one.status, one.body.as_slice()), (200, &b"first"[..]));
    assert_eq!(one.header("x-step"), Some("one"));
    assert_eq!(one.header("content-length"), Some("5"));
    raw_request(&mut stream, "/two", "bb");
    let two = http::read_response(&mut reader, "POST").expect("an answer");
    assert_eq!(two.status, 503);
    assert_eq!(two.header("content-type"), Some("application/json"));
    assert_eq!(server.connections(), 1);

    // A body cut after 10 of its 100 bytes, then a reset.
    raw_request(&mut stream, "/three", "");
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        let mut byte = [0];
        reader.read_exact(&mut byte).expect("the head");
        head.push(byte[0] as char);
    }
    assert!(head.contains("Content-Length: 100\r\n"), "{head}");
    let mut body = Vec::new();
    let end = reader.read_to_end(&mut body);
    assert_eq!(body, vec![b'x'; 10]);
    if cfg!(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )) {
        let error = end.expect_err("a reset");
        assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{error}");
    }

    // A close without an answer.
    let mut stream = TcpStream::connect(address).expect("connected");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a timeout");
    raw_request(&mut stream, "/four", "");
    let mut rest = Vec::new();
    assert_eq!(stream.read_to_end(&mut rest).expect("an orderly end"), 0);

    // Past the script: 500.
    let past = http::request(&server.endpoint, "GET", "/five", &[], b"", None).expect("answer");
    assert_eq!(past.status, 500);
    assert!(support::wait_until(Duration::from_secs(60), || {
        server.connections() == 3
    }));

    let requests: Vec<support::Recorded> = server.requests();
    let seen: Vec<(&str, &str, &[u8])> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.body.as_slice()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("POST", "/one", &b"a"[..]),
            ("POST", "/two", b"bb"),
            ("POST", "/three", b""),
            ("POST", "/four", b""),
            ("GET", "/five", b""),
        ]
    );
    assert_eq!(requests[0].header("host"), Some("test"));
}

#[test]
fn free_ports_and_waiting() {
    let port = support::free_port();
    assert_ne!(port, 0);
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
    let mut calls = 0;
    assert!(support::wait_until(Duration::from_secs(60), || {
        calls += 1;
        calls == 3
    }));
    assert!(!support::wait_until(Duration::from_millis(50), || false));
}

#[test]
fn the_proxy_keeps_connections_alive_takes_chunked_bodies_and_session_tokens() {
    let moto = Moto::start();
    let proxy = SigningProxy::start(&moto.endpoint, ACCESS_KEY, SECRET_KEY, None);
    let address = proxy.endpoint.strip_prefix("http://").expect("http");
    let mut stream = TcpStream::connect(address).expect("connected");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("a clone"));
    let head = |headers: &[(String, String)], framing: &str| {
        let mut head = String::from("POST / HTTP/1.1\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head + framing + "\r\n"
    };

    // A chunked body, signed over its content.
    let headers = signed(
        &proxy.endpoint,
        "POST",
        "/",
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "DynamoDB_20120810.ListTables"),
        ],
        b"{}",
        "dynamodb",
        SigningSettings::default(),
    );
    let request =
        head(&headers, "Transfer-Encoding: chunked\r\n") + "1\r\n{\r\n1\r\n}\r\n0\r\n\r\n";
    stream.write_all(request.as_bytes()).expect("sent");
    let response = http::read_response(&mut reader, "POST").expect("an answer");
    assert_eq!(table_names(&response), serde_json::json!([]));

    // On the same connection: a session token, signed with the rest.
    let identity = aws_credential_types::Credentials::new(
        ACCESS_KEY,
        SECRET_KEY,
        Some("TOKEN9".into()),
        None,
        "test",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-1")
        .name("dynamodb")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("signing parameters")
        .into();
    let mut headers = vec![
        ("host".to_string(), address.to_string()),
        ("content-type".into(), "application/x-amz-json-1.0".into()),
        ("x-amz-target".into(), "DynamoDB_20120810.ListTables".into()),
    ];
    let request = SignableRequest::new(
        "POST",
        format!("{}/", proxy.endpoint),
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(b"{}"),
    )
    .expect("a signable request");
    let (instructions, _) = sign(request, &params).expect("a signature").into_parts();
    let added: Vec<(String, String)> = instructions
        .headers()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert!(
        added
            .iter()
            .any(|(n, v)| n == "x-amz-security-token" && v == "TOKEN9")
    );
    headers.extend(added);
    let request = head(&headers, "Content-Length: 2\r\n") + "{}";
    stream.write_all(request.as_bytes()).expect("sent");
    let response =
        http::read_response(&mut reader, "POST").expect("an answer on the same connection");
    assert_eq!(table_names(&response), serde_json::json!([]));
    assert_eq!(proxy.verified(), 2, "{:?}", proxy.mismatches());
}

#[test]
fn other_services_paths_are_encoded_twice() {
    let moto = Moto::start();
    let proxy = SigningProxy::start(&moto.endpoint, ACCESS_KEY, SECRET_KEY, None);
    let path = "/2015-03-31/functions/kit%3Aprod/configuration";
    let get = |settings: SigningSettings| {
        let headers = signed(&proxy.endpoint, "GET", path, &[], b"", "lambda", settings);
        send(&proxy.endpoint, "GET", path, &headers, b"", None)
    };
    // Passed on: moto has no such function.
    let response = get(SigningSettings::default());
    assert_eq!(response.status, 404, "{}", response.text());
    assert_eq!(proxy.verified(), 1, "{:?}", proxy.mismatches());

    let mut once = SigningSettings::default();
    once.percent_encoding_mode = PercentEncodingMode::Single;
    let response = get(once);
    assert_eq!(response.status, 403);
    assert_eq!(
        response.header("x-amzn-ErrorType"),
        Some("InvalidSignatureException:")
    );
    let mismatches = proxy.mismatches();
    assert_eq!(mismatches.len(), 1);
    assert!(
        mismatches[0].contains("\n/2015-03-31/functions/kit%253Aprod/configuration\n"),
        "{}",
        mismatches[0]
    );
}
