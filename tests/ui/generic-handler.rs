// Rejects type parameters: the event type must be concrete.
#[ruchy_lambda::handler]
fn handle<T: serde::de::DeserializeOwned>(_event: T) {}
