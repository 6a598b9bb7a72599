// Rejects a response stream after the state: the order is event, context, stream, state.
use ruchy_lambda::ResponseStream;

struct State;

fn make_state() -> State {
    State
}

#[ruchy_lambda::handler(init = make_state)]
fn handle(_event: &str, _state: &State, _out: &mut ResponseStream) {}
