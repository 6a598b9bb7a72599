// Rejects a hook that returns something other than `()` or `Result<(), E>`, on the hook's path.
struct Pool;

fn open() -> Pool {
    Pool
}

fn reconnect(_pool: &Pool) -> u32 {
    7
}

#[ruchy_lambda::handler(init = open, after_restore = reconnect)]
fn handle(event: &str, _pool: &Pool) -> String {
    event.to_owned()
}
