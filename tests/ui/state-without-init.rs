// Rejects a state parameter without `init = …` to build it.
struct State;

#[ruchy_lambda::handler]
fn handle(event: &str, _state: &State) -> String {
    event.to_owned()
}
