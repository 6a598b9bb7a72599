// Rejects an `init` error type that is not `Display`, on the `init` path.
struct State;

#[derive(Debug)]
struct ConfigError;

fn make_state() -> Result<State, ConfigError> {
    Err(ConfigError)
}

#[ruchy_lambda::handler(init = make_state)]
fn handle(event: &str, _state: &State) -> String {
    event.to_owned()
}
