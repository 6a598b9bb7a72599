// Accepts a durable handler with typed input and output and `Result<_, DurableError>`.
use ruchy_lambda::durable::{DurableContext, DurableError};

#[derive(serde::Deserialize)]
struct Order {
    id: String,
    qty: u32,
}

#[derive(serde::Serialize)]
struct Receipt {
    id: String,
    total: u32,
}

mod lambda {
    use super::*;

    #[ruchy_lambda::handler]
    fn handle(order: Order, ctx: &DurableContext) -> Result<Receipt, DurableError> {
        let total: u32 = ctx.step("price", |_| Ok::<_, DurableError>(order.qty * 3))?;
        Ok(Receipt {
            id: order.id,
            total,
        })
    }
}

fn main() {}
