// Rejects a fourth parameter: event, context and state are all a handler takes.
use ruchy_lambda::Context;

struct State;

fn make_state() -> State {
    State
}

#[ruchy_lambda::handler(init = make_state)]
fn handle(event: &str, _ctx: &Context, _state: &State, _extra: &State) -> String {
    event.to_owned()
}
