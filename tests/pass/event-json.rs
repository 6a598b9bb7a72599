// Accepts a JSON event (`T: Deserialize`) alone, with `&Context`, with a state, and with both.

#[derive(serde::Deserialize)]
pub struct Order {
    qty: u32,
}

mod plain {
    use super::Order;
    #[ruchy_lambda::handler]
    fn handle(event: Order) -> String {
        format!("{}", event.qty as usize)
    }
}

mod with_context {
    use super::Order;
    use ruchy_lambda::Context;

    #[ruchy_lambda::handler]
    fn handle(event: Order, ctx: &Context) -> String {
        format!("{} {}", event.qty as usize, ctx.request_id)
    }
}

mod with_state {
    use super::Order;
    pub struct State(usize);

    fn make_state() -> State {
        State(1)
    }

    #[ruchy_lambda::handler(init = make_state)]
    fn handle(event: Order, state: &State) -> String {
        format!("{}", event.qty as usize + state.0)
    }
}

mod with_context_and_state {
    use super::Order;
    use ruchy_lambda::Context;

    pub struct State(usize);

    fn make_state() -> State {
        State(1)
    }

    #[ruchy_lambda::handler(init = make_state)]
    fn handle(event: Order, ctx: &Context, state: &State) -> String {
        format!("{} {}", event.qty as usize + state.0, ctx.request_id)
    }
}

fn main() {}
