// Accepts a `&str` event (raw UTF-8) alone, with `&Context`, with a state, and with both.

mod plain {
    #[ruchy_lambda::handler]
    fn handle(event: &str) -> String {
        format!("{}", event.len())
    }
}

mod with_context {
    use ruchy_lambda::Context;

    #[ruchy_lambda::handler]
    fn handle(event: &str, ctx: &Context) -> String {
        format!("{} {}", event.len(), ctx.request_id)
    }
}

mod with_state {
    pub struct State(usize);

    fn make_state() -> State {
        State(1)
    }

    #[ruchy_lambda::handler(init = make_state)]
    fn handle(event: &str, state: &State) -> String {
        format!("{}", event.len() + state.0)
    }
}

mod with_context_and_state {
    use ruchy_lambda::Context;

    pub struct State(usize);

    fn make_state() -> State {
        State(1)
    }

    #[ruchy_lambda::handler(init = make_state)]
    fn handle(event: &str, ctx: &Context, state: &State) -> String {
        format!("{} {}", event.len() + state.0, ctx.request_id)
    }
}

fn main() {}
