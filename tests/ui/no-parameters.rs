// Rejects a handler without parameters: the event comes first.
#[ruchy_lambda::handler]
fn handle() -> String {
    String::new()
}
