// Rejects a durable handler taking its input as bytes, on the user's type.
use ruchy_lambda::durable::{DurableContext, DurableError};

#[ruchy_lambda::handler]
fn handle(input: &[u8], _ctx: &DurableContext) -> Result<usize, DurableError> {
    Ok(input.len())
}
