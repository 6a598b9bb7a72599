// Rejects the state before the context: the order is event, context, state.
use ruchy_lambda::Context;

struct State;

fn make_state() -> State {
    State
}

#[ruchy_lambda::handler(init = make_state)]
fn handle(event: &str, _state: &State, ctx: &Context) -> String {
    format!("{} {event}", ctx.request_id)
}
