// Rejects an unknown option, listing the valid ones.
#[ruchy_lambda::handler(timeout = 3)]
fn handle(event: &str) -> String {
    event.to_owned()
}
