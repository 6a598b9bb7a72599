// Rejects a second parameter that is neither a context nor a state.
#[ruchy_lambda::handler]
fn handle(event: &str, times: usize) -> String {
    event.repeat(times)
}
