// Rejects an `init` value that is not the path of a function.
struct State;

#[ruchy_lambda::handler(init = || State)]
fn handle(event: &str, _state: &State) -> String {
    event.to_owned()
}
