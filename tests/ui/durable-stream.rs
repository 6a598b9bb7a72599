// Rejects a durable handler with a response stream, on the user's stream type.
use ruchy_lambda::ResponseStream;
use ruchy_lambda::durable::{DurableContext, DurableError};

#[ruchy_lambda::handler]
fn handle(_input: &str, _ctx: &DurableContext, _out: &mut ResponseStream) -> Result<(), DurableError> {
    Ok(())
}
