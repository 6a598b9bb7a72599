//! `log10-tracing` on ruchy-lambda: `log10` with `tracing::info!` events instead of `log`
//! records (ruchy-lambda's `tracing` feature writes them the same way).

#[ruchy_lambda::handler]
fn handle(_event: &str) -> &'static str {
    for i in 1..=10 {
        tracing::info!("record {i} of 10");
    }
    r#"{"statusCode":200,"body":"ok"}"#
}
