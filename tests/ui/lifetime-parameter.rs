// Rejects lifetime parameters.
#[ruchy_lambda::handler]
fn handle<'a>(event: &'a str) -> &'a str {
    event
}
