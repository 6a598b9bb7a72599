// An async init and handler with blocking lifecycle hooks.

mod lambda {
    struct State;

    async fn init() -> State {
        State
    }

    fn flush(_state: &State) {}

    #[ruchy_lambda::handler(init = init, shutdown = flush, before_snapshot = flush)]
    async fn handle(event: &str, _state: &State) -> String {
        event.to_owned()
    }
}

fn main() {}
