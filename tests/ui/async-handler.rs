// An `async fn` handler without the `tokio` feature of ruchy-lambda: the error names the feature.
#[ruchy_lambda::handler]
async fn handle(event: &str) -> String {
    event.to_owned()
}
