//! DynamoDB `GetItem` on the AWS SDK for Rust, as an `async fn` handler (ruchy-lambda's `tokio`
//! feature): the client is made once in an `async fn` init and shared by every worker.
//!
//! The table is `$TABLE`. `{"get":"k3"}` → `{"found":true,"item":{…}}`, the item as plain JSON
//! (strings as strings; numbers as JSON numbers when they are an `i64`, or an `f64` written the
//! way Rust writes it, else as strings; binary as base64; sets and lists as arrays; `NULL` as
//! `null`); `{"get":"nope"}` → `{"found":false}`. An AWS error fails the invocation with
//! `errorType` the AWS error code (`ResourceNotFoundException` for a missing table) and
//! `errorMessage` the service's message. `"wait_ms": N` awaits a timer of N ms first (to see
//! invocations overlap on Lambda Managed Instances).

use std::fmt;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::ProvideCredentials;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

mod aws_error;
mod plain;

use aws_error::AwsError;
use plain::plain_map;

#[derive(serde::Deserialize)]
struct Request {
    get: String,
    #[serde(default)]
    wait_ms: u64,
}

#[derive(serde::Serialize)]
struct Reply {
    found: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<Value>,
}

/// The client and the table, made once.
struct Table {
    client: Client,
    name: String,
}

/// Why init failed.
#[derive(Debug)]
struct InitError(String);

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ruchy_lambda::ErrorType for AwsError {
    fn error_type(&self) -> &str {
        &self.code
    }
}

/// Loads the SDK's configuration (region, credentials, `AWS_ENDPOINT_URL…`) and resolves the
/// credentials now, while init has the CPU: an environment without any fails init, not every
/// invocation.
async fn table() -> Result<Table, InitError> {
    let name = std::env::var("TABLE").map_err(|_| InitError("TABLE is not set".to_owned()))?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let credentials = config
        .credentials_provider()
        .ok_or_else(|| InitError("no AWS credentials provider".to_owned()))?;
    credentials
        .provide_credentials()
        .await
        .map_err(|e| InitError(format!("no AWS credentials: {}", DisplayErrorContext(&e))))?;
    Ok(Table {
        client: Client::new(&config),
        name,
    })
}

#[ruchy_lambda::handler(init = table)]
async fn get(request: Request, table: &Table) -> Result<Reply, AwsError> {
    if request.wait_ms > 0 {
        tokio::time::sleep(Duration::from_millis(request.wait_ms)).await;
    }
    let out = table
        .client
        .get_item()
        .table_name(&table.name)
        .key("id", AttributeValue::S(request.get))
        .send()
        .await
        .map_err(AwsError::of)?;
    Ok(match out.item {
        Some(item) => Reply {
            found: true,
            item: Some(Value::Object(plain_map(item))),
        },
        None => Reply {
            found: false,
            item: None,
        },
    })
}
