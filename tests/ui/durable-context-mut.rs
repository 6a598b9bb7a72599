// Rejects a durable context borrowed mutably, on the user's `mut`.
use ruchy_lambda::durable::{DurableContext, DurableError};

#[ruchy_lambda::handler]
fn handle(input: u32, ctx: &mut DurableContext) -> Result<u32, DurableError> {
    let _ = ctx;
    Ok(input)
}
