// Rejects an `async fn` durable handler, on the user's `async`.
use ruchy_lambda::durable::{DurableContext, DurableError};

#[ruchy_lambda::handler]
async fn handle(input: u32, _ctx: &DurableContext) -> Result<u32, DurableError> {
    Ok(input)
}
