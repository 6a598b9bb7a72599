// Rejects a hook that is not the path of a function, and a hook without a value.
fn flush() {}

#[ruchy_lambda::handler(shutdown = || flush(), after_restore)]
fn handle(event: &str) -> String {
    event.to_owned()
}
