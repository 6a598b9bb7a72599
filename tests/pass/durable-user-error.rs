// Accepts a durable handler whose error is the user's own type (its name is the recorded
// `ErrorType`), with `DurableError` converted by `?`.
use ruchy_lambda::durable::{DurableContext, DurableError};

#[derive(Debug)]
enum OrderError {
    Empty,
    Durable(DurableError),
}

impl std::fmt::Display for OrderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrderError::Empty => f.write_str("the order is empty"),
            OrderError::Durable(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for OrderError {}

impl From<DurableError> for OrderError {
    fn from(e: DurableError) -> Self {
        OrderError::Durable(e)
    }
}

mod lambda {
    use super::*;

    #[ruchy_lambda::handler]
    fn handle(items: Vec<u32>, ctx: &DurableContext) -> Result<u32, OrderError> {
        if items.is_empty() {
            return Err(OrderError::Empty);
        }
        let sum = ctx.step("sum", |_| Ok::<_, DurableError>(items.iter().sum()))?;
        Ok(sum)
    }
}

fn main() {}
