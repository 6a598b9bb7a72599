//! `examples/aws-sdk/`'s function on `lambda_runtime`: DynamoDB `GetItem` on the AWS SDK for
//! Rust, under `run_concurrent` (with `AWS_LAMBDA_MAX_CONCURRENCY` = N > 1 it polls with N tokio
//! tasks; unset, it runs sequentially). The same contract: the table is `$TABLE`; the SDK's
//! configuration is loaded and the credentials resolved once, before the runtime starts (init);
//! `{"get":"k3"}` → `{"found":true,"item":{…}}`, the item as the same plain JSON;
//! `{"get":"nope"}` → `{"found":false}`; an AWS error fails the invocation with `errorType` the AWS
//! error code and `errorMessage` the service's message.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::ProvideCredentials;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::Value;

// The same conversion as the example's, so both answer byte for byte alike.
#[path = "../../../../examples/aws-sdk/src/plain.rs"]
mod plain;
// The same errors too: the service's code and message.
#[path = "../../../../examples/aws-sdk/src/aws_error.rs"]
mod aws_error;

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

impl From<AwsError> for Diagnostic {
    fn from(error: AwsError) -> Diagnostic {
        Diagnostic {
            error_type: error.code,
            error_message: error.message,
        }
    }
}

/// Loads the SDK's configuration (region, credentials, `AWS_ENDPOINT_URL…`) and resolves the
/// credentials now: an environment without any fails init, not every invocation.
async fn table() -> Result<Table, Error> {
    let name = std::env::var("TABLE").map_err(|_| "TABLE is not set")?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let credentials = config
        .credentials_provider()
        .ok_or("no AWS credentials provider")?;
    credentials
        .provide_credentials()
        .await
        .map_err(|e| format!("no AWS credentials: {}", DisplayErrorContext(&e)))?;
    Ok(Table {
        client: Client::new(&config),
        name,
    })
}

async fn get(event: LambdaEvent<Request>, table: Arc<Table>) -> Result<Reply, AwsError> {
    let request = event.payload;
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

#[tokio::main]
async fn main() -> Result<(), Error> {
    let table = Arc::new(table().await?);
    lambda_runtime::run_concurrent(service_fn(move |event| get(event, Arc::clone(&table)))).await
}
