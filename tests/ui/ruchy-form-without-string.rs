// Rejects the two-`&str` form when it does not return `String`.
#[ruchy_lambda::handler]
fn handle(request_id: &str, body: &str) -> usize {
    request_id.len() + body.len()
}
