// Rejects `self`: a handler is a free function, not a method.
#[ruchy_lambda::handler]
fn handle(&self, event: &str) -> String {
    event.to_owned()
}
