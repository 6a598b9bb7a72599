// Rejects a state taken by value: it is shared by every invocation.
struct State;

fn make_state() -> State {
    State
}

#[ruchy_lambda::handler(init = make_state)]
fn handle(event: &str, _state: State) -> String {
    event.to_owned()
}
