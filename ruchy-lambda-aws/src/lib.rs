//! A small blocking AWS client for Lambda functions.
//!
//! No async runtime: a call is a blocking HTTPS request on a kept-alive connection, signed with
//! AWS's own [`aws-sigv4`](https://docs.rs/aws-sigv4), over [rustls](https://docs.rs/rustls)
//! with the *ring* provider, parsed by the same HTTP/1.1 code as the runtime's own client.
//!
//! ```no_run
//! # fn main() -> Result<(), ruchy_lambda_aws::Error> {
//! use ruchy_lambda_aws::Client;
//!
//! #[derive(serde::Deserialize, serde::Serialize)]
//! struct Order { id: String, count: u32 }
//!
//! let client = Client::from_env()?;          // region, credentials, endpoints: the environment
//! let table = client.dynamodb();
//! table.connect_now(1)?;                     // in init: connect and handshake before the first call
//! table.put_item("orders", &Order { id: "o1".into(), count: 3 })?;
//! let order: Option<Order> = table.get_item("orders", &serde_json::json!({"id": "o1"}), false)?;
//!
//! let s3 = client.s3();
//! s3.put_object("my-bucket", "dir/a b+é.txt", b"hello", Some("text/plain"))?;
//! let text = s3.get_object("my-bucket", "dir/a b+é.txt")?.text()?;
//! # Ok(()) }
//! ```
//!
//! What it covers:
//! - **Credentials**: the environment's keys, or the container credentials endpoint, refreshed
//!   before they expire ([`Credentials`]).
//! - **Endpoints** as the SDKs resolve them: `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`,
//!   then AWS's (`https://{service}.{region}.amazonaws.com`).
//! - **HTTPS** on rustls, trusting `SSL_CERT_FILE` when set, else the system's CA bundle
//!   (`/etc/pki/tls/certs/ca-bundle.crt` on Lambda's Amazon Linux 2023).
//! - **Connections**: kept alive and pooled per endpoint, shared by every worker; opened ahead of
//!   time with `connect_now`.
//! - **Retries**: AWS's standard mode ([`RetryConfig`]).
//! - **Services**: the JSON protocols ([`JsonClient`]: DynamoDB, SQS, Kinesis, Step Functions,
//!   EventBridge, Secrets Manager, SSM, KMS, CloudWatch Logs), DynamoDB items as serde types
//!   ([`dynamodb`]), S3's object operations ([`s3`]), Lambda's `Invoke` and any other Lambda
//!   operation by its method and path ([`lambda`]), and the availability zone from Lambda's
//!   metadata endpoint ([`metadata`]).
//!
//! For anything else (the query and XML protocols of SNS, STS or CloudFormation, S3's
//! multipart uploads, presigned URLs, event streams), use the AWS SDK for Rust in an `async fn`
//! handler (the facade's `tokio` feature).

mod client;
mod credentials;
pub mod dynamodb;
mod endpoint;
mod error;
mod json;
pub mod lambda;
pub mod metadata;
mod retry;
pub mod s3;
mod time;
mod transport;

pub use client::{Builder, Client};
pub use credentials::Credentials;
pub use dynamodb::DynamoDb;
pub use endpoint::Service;
pub use error::{Error, ErrorKind};
pub use json::{JsonApi, JsonClient};
pub use lambda::Lambda;
pub use retry::RetryConfig;
pub use s3::S3;
