// Rejects an `async fn`: handlers run on a blocking loop.
#[ruchy_lambda::handler]
async fn handle(event: &str) -> String {
    event.to_owned()
}
