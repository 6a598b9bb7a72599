// Rejects `init = …` when the handler takes no state.
struct State;

fn make_state() -> State {
    State
}

#[ruchy_lambda::handler(init = make_state)]
fn handle(event: &str) -> String {
    event.to_owned()
}
