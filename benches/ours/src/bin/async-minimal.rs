//! `minimal` as an `async fn` (ruchy-lambda's `tokio` feature), awaiting nothing: beside
//! `minimal`, what the feature costs a function that does not use the AWS SDK.

#[ruchy_lambda::handler]
async fn handle(_event: &str) -> &'static str {
    r#"{"statusCode":200,"body":"ok"}"#
}
