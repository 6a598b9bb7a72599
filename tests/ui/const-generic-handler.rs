// Rejects const parameters.
#[ruchy_lambda::handler]
fn handle<const N: usize>(event: &str) -> String {
    event.repeat(N)
}
