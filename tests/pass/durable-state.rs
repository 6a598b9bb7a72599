// Accepts a durable handler with `init` state after the durable context.
use ruchy_lambda::durable::{DurableContext, DurableError};

struct Prices {
    unit: u32,
}

fn load() -> Result<Prices, std::io::Error> {
    Ok(Prices { unit: 3 })
}

mod lambda {
    use super::*;

    #[ruchy_lambda::handler(init = load)]
    fn handle(qty: u32, ctx: &DurableContext, prices: &Prices) -> Result<u32, DurableError> {
        ctx.step("price", |_| Ok::<_, DurableError>(qty * prices.unit))
    }
}

fn main() {}
