// Rejects `impl Trait` as the return type.
#[ruchy_lambda::handler]
fn handle(event: &str) -> impl serde::Serialize {
    event.len()
}
