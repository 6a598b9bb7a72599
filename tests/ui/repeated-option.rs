// Rejects an option given twice.
#[ruchy_lambda::handler(crate = "ruchy_lambda", crate = "ruchy_lambda")]
fn handle(event: &str) -> String {
    event.to_owned()
}
