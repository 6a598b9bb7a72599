// Rejects a durable handler's input type that is not `serde::Deserialize`, on the user's type.
use ruchy_lambda::durable::{DurableContext, DurableError};

struct Order {
    qty: u32,
}

#[ruchy_lambda::handler]
fn handle(order: Order, _ctx: &DurableContext) -> Result<u32, DurableError> {
    Ok(order.qty)
}
