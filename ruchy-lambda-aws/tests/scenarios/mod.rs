//! What the client does against moto behind the signing proxy, the same over HTTP
//! (`dynamodb.rs`, `s3.rs`) and HTTPS (`https.rs`). Each scenario returns how many requests it
//! sent, so that the caller can check the proxy verified every one of them.
//!
//! A test file includes it with `mod scenarios;` (after `mod support;`).

// Each test file runs only part of the scenarios.
#![allow(dead_code)]

use std::io::Read;

use ruchy_lambda_aws::{Builder, Client, Credentials, ErrorKind, JsonApi, RetryConfig};
use serde_json::{Value, json};

use crate::support::{SigningProxy, http};

/// The keys the proxy accepts and the client signs with.
pub const ACCESS_KEY: &str = "AKIDINTEGRATION";
/// The secret of [`ACCESS_KEY`].
pub const SECRET_KEY: &str = "integration/secret+key";

/// A client builder for `endpoint` with the test's keys, retries quick enough for a test.
pub fn builder(endpoint: &str) -> Builder {
    Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY))
        .endpoint_url(endpoint)
        .retry(RetryConfig {
            max_attempts: 3,
            base: std::time::Duration::from_millis(10),
        })
}

/// A client of `endpoint` with the test's keys (see [`builder`]).
pub fn client(endpoint: &str) -> Client {
    builder(endpoint).build().expect("a client")
}

/// Every request the proxy saw had a signature botocore agrees with, and there were `sent`.
pub fn assert_all_verified(proxy: &SigningProxy, sent: usize) {
    assert_eq!(proxy.mismatches(), Vec::<String>::new());
    assert_eq!(proxy.verified(), sent);
}

/// Creates `table` (keyed by a string `id`) with the client itself.
pub fn create_table(client: &Client, table: &str) {
    let created: Value = client
        .dynamodb()
        .call(
            "CreateTable",
            &json!({
                "TableName": table,
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            }),
        )
        .expect("CreateTable");
    assert_eq!(created["TableDescription"]["TableName"], table);
}

/// Creates `bucket` on moto itself (the client has no `CreateBucket`; moto does not check
/// signatures).
pub fn create_bucket(moto_endpoint: &str, bucket: &str) {
    let response = http::request(moto_endpoint, "PUT", &format!("/{bucket}"), &[], b"", None)
        .expect("moto answers");
    assert_eq!(response.status, 200, "CreateBucket: {}", response.text());
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Order {
    id: String,
    count: u32,
    price: f64,
    tags: Vec<String>,
    note: Option<String>,
    paid: bool,
}

/// Typed and plain-JSON items put, read back, deleted; a missing item; a missing table; a
/// `Query` through `call`. Creates `table`.
pub fn dynamodb_items(client: &Client, table: &str) -> usize {
    let db = client.dynamodb();
    create_table(client, table);

    let order = Order {
        id: "o1".into(),
        count: 3,
        price: 12.5,
        tags: vec!["new".into(), "gift".into()],
        note: None,
        paid: true,
    };
    db.put_item(table, &order).expect("PutItem typed");
    let back: Option<Order> = db
        .get_item(table, &json!({"id": "o1"}), true)
        .expect("GetItem typed");
    assert_eq!(back, Some(order));

    let plain = json!({
        "id": "k3",
        "int": 42,
        "negative": -7,
        "float": 0.25,
        "big": 9_007_199_254_740_993_u64,
        "text": "héllo \"quoted\" 😀",
        "empty": "",
        "list": [1, "two", null, true, [3.5], {"in": "list"}],
        "map": {"nested": {"deeper": [false, 0]}, "none": null},
        "nothing": null,
        "yes": true,
        "no": false,
    });
    db.put_item(table, &plain).expect("PutItem plain");
    let back: Option<Value> = db
        .get_item(table, &json!({"id": "k3"}), true)
        .expect("GetItem plain");
    assert_eq!(back, Some(plain));

    let missing: Option<Value> = db
        .get_item(table, &json!({"id": "nope"}), false)
        .expect("GetItem of a missing item");
    assert_eq!(missing, None);

    // `Query` through the generic call, in DynamoDB's own JSON.
    let queried: Value = db
        .call(
            "Query",
            &json!({
                "TableName": table,
                "KeyConditionExpression": "id = :id",
                "ExpressionAttributeValues": {":id": {"S": "k3"}},
                "ProjectionExpression": "#t, #i",
                "ExpressionAttributeNames": {"#t": "text", "#i": "int"},
            }),
        )
        .expect("Query");
    assert_eq!(queried["Count"], 1, "{queried}");
    assert_eq!(
        queried["Items"][0],
        json!({"text": {"S": "héllo \"quoted\" 😀"}, "int": {"N": "42"}})
    );

    db.delete_item(table, &json!({"id": "o1"}))
        .expect("DeleteItem");
    let gone: Option<Order> = db
        .get_item(table, &json!({"id": "o1"}), true)
        .expect("GetItem after DeleteItem");
    assert_eq!(gone, None);

    let error = db
        .get_item::<Value, _>("no-such-table", &json!({"id": "k3"}), false)
        .expect_err("a missing table");
    assert_eq!(error.kind(), ErrorKind::Service, "{error:?}");
    assert_eq!(error.code(), Some("ResourceNotFoundException"), "{error:?}");
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.message(), "Requested resource not found");
    assert!(
        error.request_id().is_some_and(|id| !id.is_empty()),
        "{error:?}"
    );
    assert!(!error.is_retryable() && !error.is_throttling());
    // CreateTable, 2 × (PutItem, GetItem), GetItem, Query, DeleteItem, GetItem, GetItem.
    10
}

/// SQS through the generic JSON client: CreateQueue, SendMessage, ReceiveMessage.
pub fn sqs_queue(client: &Client) -> usize {
    let sqs = client.json(JsonApi::SQS);
    let created: Value = sqs
        .call("CreateQueue", &json!({"QueueName": "orders"}))
        .expect("CreateQueue");
    let url = created["QueueUrl"]
        .as_str()
        .expect("a queue URL")
        .to_owned();
    assert!(url.ends_with("/orders"), "{url}");
    let body = "order 7: 3 × ☕";
    let sent: Value = sqs
        .call(
            "SendMessage",
            &json!({"QueueUrl": url, "MessageBody": body}),
        )
        .expect("SendMessage");
    let id = sent["MessageId"].as_str().expect("a message id");
    let received: Value = sqs
        .call(
            "ReceiveMessage",
            &json!({"QueueUrl": url, "MaxNumberOfMessages": 10}),
        )
        .expect("ReceiveMessage");
    let messages = received["Messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1, "{received}");
    assert_eq!(messages[0]["MessageId"], id);
    assert_eq!(messages[0]["Body"], body);

    let error = sqs
        .call::<_, Value>("GetQueueUrl", &json!({"QueueName": "no-such-queue"}))
        .expect_err("a missing queue");
    assert_eq!(error.kind(), ErrorKind::Service, "{error:?}");
    assert_eq!(error.code(), Some("QueueDoesNotExist"), "{error:?}");
    assert_eq!(error.status(), Some(400));
    4
}

/// Keys S3 and its signature make hard.
pub const HARD_KEYS: &[&str] = &[
    "dir/a b+é.txt",
    "a&b=c?d#e",
    "%41",
    "~tilde",
    "emoji 😀/🎉.bin",
    "double//slash",
    "semi;colon,comma:colon@at$dollar",
    "dir/sub/(parens) [brackets] {braces}'quote'!*",
];

/// Put, get, head, list and delete of [`HARD_KEYS`]; a missing key's `GetObject` and
/// `HeadObject`. `bucket` must exist and be empty.
pub fn s3_keys(client: &Client, bucket: &str) -> usize {
    let s3 = client.s3();
    let mut sent = 0;
    for (i, key) in HARD_KEYS.iter().enumerate() {
        let body = format!("body {i} of {key}");
        let etag = s3
            .put_object(
                bucket,
                key,
                body.as_bytes(),
                Some("text/plain; charset=utf-8"),
            )
            .unwrap_or_else(|e| panic!("PutObject {key:?}: {e:?}"));
        assert!(etag.is_some(), "{key:?}: no ETag");
        let object = s3
            .get_object(bucket, key)
            .unwrap_or_else(|e| panic!("GetObject {key:?}: {e:?}"));
        assert_eq!(object.head.content_length, Some(body.len() as u64));
        assert_eq!(object.head.etag, etag);
        assert_eq!(object.text().expect("the body"), body, "{key:?}");
        let head = s3
            .head_object(bucket, key)
            .unwrap_or_else(|e| panic!("HeadObject {key:?}: {e:?}"));
        assert_eq!(head.content_length, Some(body.len() as u64), "{key:?}");
        assert_eq!(
            head.content_type.as_deref(),
            Some("text/plain; charset=utf-8")
        );
        sent += 3;
    }

    let mut expected: Vec<&str> = HARD_KEYS.to_vec();
    expected.sort_unstable();
    let listed: Vec<String> = s3
        .list_objects_v2(bucket, "")
        .expect("ListObjectsV2")
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(listed, expected);
    let under_dir: Vec<String> = s3
        .list_objects_v2(bucket, "dir/")
        .expect("ListObjectsV2 with a prefix")
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(
        under_dir,
        [
            "dir/a b+é.txt",
            "dir/sub/(parens) [brackets] {braces}'quote'!*"
        ]
    );
    // A prefix that needs encoding in the query.
    let odd_prefix = s3
        .list_objects_v2(bucket, "a&b=c?")
        .expect("ListObjectsV2 with an odd prefix");
    assert_eq!(odd_prefix.len(), 1);
    assert_eq!(odd_prefix[0].key, "a&b=c?d#e");
    sent += 3;

    let missing = s3
        .get_object(bucket, "no/such key")
        .expect_err("GetObject of a missing key");
    assert_eq!(missing.code(), Some("NoSuchKey"), "{missing:?}");
    assert_eq!(missing.status(), Some(404));
    assert!(!missing.message().is_empty());
    let missing = s3
        .head_object(bucket, "no/such key")
        .expect_err("HeadObject of a missing key");
    assert_eq!(missing.code(), Some("NotFound"), "{missing:?}");
    assert_eq!(missing.status(), Some(404));
    assert!(missing.request_id().is_some(), "{missing:?}");
    sent += 2;

    for key in HARD_KEYS {
        s3.delete_object(bucket, key)
            .unwrap_or_else(|e| panic!("DeleteObject {key:?}: {e:?}"));
        sent += 1;
    }
    assert_eq!(s3.list_objects_v2(bucket, "").expect("ListObjectsV2"), []);
    sent + 1
}

/// `ListObjectsV2` in pages of 2 over 5 keys follows the continuation tokens.
pub fn s3_pages(client: &Client, bucket: &str) -> usize {
    let s3 = client.s3();
    let keys = ["page/1", "page/2 two", "page/3+three", "page/4", "page/é5"];
    for key in keys {
        s3.put_object(bucket, key, key.as_bytes(), None)
            .expect("PutObject");
    }
    let listed = s3
        .list_objects_v2_with_page_size(bucket, "page/", 2)
        .expect("ListObjectsV2 in pages");
    let listed: Vec<(String, u64)> = listed.into_iter().map(|o| (o.key, o.size)).collect();
    let expected: Vec<(String, u64)> = keys
        .iter()
        .map(|k| (k.to_string(), k.len() as u64))
        .collect();
    assert_eq!(listed, expected);
    // 5 puts, 3 pages.
    8
}

/// Deterministic bytes that do not repeat in any short period.
pub fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A body of several MB read back in small pieces; while one body is half read, other calls
/// work (on another connection).
pub fn s3_large_bodies(client: &Client, bucket: &str) -> usize {
    let s3 = client.s3();
    let big = noise(5 * 1024 * 1024 + 17);
    s3.put_object(bucket, "big.bin", &big, Some("application/octet-stream"))
        .expect("PutObject of 5 MB");

    let mut object = s3.get_object(bucket, "big.bin").expect("GetObject");
    assert_eq!(object.head.content_length, Some(big.len() as u64));
    let mut read = Vec::with_capacity(big.len());
    let mut piece = [0u8; 1000];
    while read.len() < big.len() / 2 {
        let n = object.read(&mut piece).expect("a piece of the body");
        assert_ne!(n, 0, "the body ended after {} bytes", read.len());
        read.extend_from_slice(&piece[..n]);
    }

    // Meanwhile: another put and get, on other connections.
    s3.put_object(bucket, "small.txt", b"small", None)
        .expect("PutObject while a body is half read");
    let small = s3
        .get_object(bucket, "small.txt")
        .expect("GetObject while a body is half read")
        .bytes()
        .expect("the small body");
    assert_eq!(small, b"small");

    loop {
        let n = object.read(&mut piece).expect("a piece of the body");
        if n == 0 {
            break;
        }
        read.extend_from_slice(&piece[..n]);
    }
    assert_eq!(read.len(), big.len());
    assert!(read == big, "the body read back differs from the one put");
    // Read to its end, the object reads nothing more.
    assert_eq!(object.read(&mut piece).expect("the end"), 0);
    4
}
