// Rejects a durable handler's result type that is not `serde::Serialize`, on the user's type.
use ruchy_lambda::durable::{DurableContext, DurableError};

struct Receipt {
    total: u32,
}

#[ruchy_lambda::handler]
fn handle(qty: u32, _ctx: &DurableContext) -> Result<Receipt, DurableError> {
    Ok(Receipt { total: qty })
}
