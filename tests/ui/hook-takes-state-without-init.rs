// Rejects a hook that takes a state when there is no `init`, and one that takes nothing when
// there is: each on its hook's path.
struct Pool;

fn open() -> Pool {
    Pool
}

fn reconnect(_pool: &Pool) {}

fn flush() {}

#[ruchy_lambda::handler(after_restore = reconnect)]
fn handle(event: &str) -> String {
    event.to_owned()
}

mod with_init {
    use super::{Pool, flush, open};

    #[ruchy_lambda::handler(init = open, shutdown = flush)]
    fn handle(event: &str, _pool: &Pool) -> String {
        event.to_owned()
    }
}
