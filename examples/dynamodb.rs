//! DynamoDB on ruchy-lambda's own blocking AWS client (feature `aws`): no tokio, no SDK.
//!
//! The table is `$TABLE`, keyed by a string `id`.
//! - `{"get":"k3"}` → `{"found":true,"item":{…}}`, the item as plain JSON: strings as strings,
//!   numbers as JSON numbers (as strings when no JSON number holds them exactly), binary as
//!   base64, sets and lists as arrays, `NULL` as `null`; `{"get":"nope"}` → `{"found":false}`.
//! - `{"put":{"id":"n1","name":"x","count":3}}` → `{"ok":true}`.
//!
//! An AWS error fails the invocation with `errorType` the AWS error code
//! (`ResourceNotFoundException` for a missing table) and `errorMessage` the service's message.
//! The client is made in `init`, which also connects to DynamoDB (TLS handshake included), one
//! connection per worker, so that the first invocation does not pay it.

use ruchy_lambda::aws::{Client, DynamoDb, Error};
use serde_json::{Value, json};

#[derive(serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Request {
    Get(String),
    Put(Value),
}

struct Table {
    db: DynamoDb,
    name: String,
}

fn table() -> Result<Table, String> {
    let name = std::env::var("TABLE").map_err(|_| "TABLE is not set".to_owned())?;
    let client = Client::from_env().map_err(|e| e.to_string())?;
    let db = client.dynamodb();
    let workers = std::env::var("AWS_LAMBDA_MAX_CONCURRENCY")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    // Not fatal: the first call connects if this could not.
    if let Err(e) = db.connect_now(workers) {
        log::warn!("connecting to DynamoDB in init: {e}");
    }
    Ok(Table { db, name })
}

#[ruchy_lambda::handler(init = table)]
fn handle(request: Request, table: &Table) -> Result<Value, Error> {
    match request {
        Request::Get(id) => {
            let item: Option<Value> =
                table
                    .db
                    .get_item(&table.name, &json!({ "id": id }), false)?;
            Ok(match item {
                Some(item) => json!({"found": true, "item": item}),
                None => json!({"found": false}),
            })
        }
        Request::Put(item) => {
            table.db.put_item(&table.name, &item)?;
            Ok(json!({"ok": true}))
        }
    }
}
