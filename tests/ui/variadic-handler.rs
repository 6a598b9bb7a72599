// Rejects a variadic parameter.
#[ruchy_lambda::handler]
fn handle(event: &str, _args: ...) -> String {
    event.to_owned()
}
