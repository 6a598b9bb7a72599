// Rejects `impl Trait` as a parameter type.
#[ruchy_lambda::handler]
fn handle(event: impl serde::de::DeserializeOwned) {
    let _ = event;
}
