// Rejects a state parameter whose type is not what `init` builds, naming both types.
struct State;

fn make_state() -> u64 {
    0
}

#[ruchy_lambda::handler(init = make_state)]
fn handle(event: &str, _state: &State) -> String {
    event.to_owned()
}
