// Rejects a durable context taken by value, on the user's type.
use ruchy_lambda::durable::{DurableContext, DurableError};

#[ruchy_lambda::handler]
fn handle(input: serde_json::Value, ctx: DurableContext) -> Result<serde_json::Value, DurableError> {
    let _ = &ctx;
    Ok(input)
}
