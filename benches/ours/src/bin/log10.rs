//! `log10` on ruchy-lambda: `minimal` that writes ten INFO records per invocation through the
//! `log` facade (one line each on stderr, in `AWS_LAMBDA_LOG_FORMAT`, with the request id).

#[ruchy_lambda::handler]
fn handle(_event: &str) -> &'static str {
    for i in 1..=10 {
        log::info!("record {i} of 10");
    }
    r#"{"statusCode":200,"body":"ok"}"#
}
