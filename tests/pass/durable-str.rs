// Accepts a durable handler taking the execution's input as `&str` (its JSON text) and one
// taking it as `String`.
use ruchy_lambda::durable::{DurableContext, DurableError};

mod borrowed {
    use super::*;

    #[ruchy_lambda::handler]
    fn handle(input: &str, ctx: &DurableContext) -> Result<usize, DurableError> {
        ctx.step("len", |_| Ok::<_, DurableError>(input.len()))
    }
}

mod owned {
    use super::*;

    #[ruchy_lambda::handler]
    fn handle(input: String, _ctx: &DurableContext) -> Result<String, DurableError> {
        Ok(input)
    }
}

fn main() {}
