// Rejects a `crate` value that is not a string.
#[ruchy_lambda::handler(crate = ruchy_lambda)]
fn handle(event: &str) -> String {
    event.to_owned()
}
