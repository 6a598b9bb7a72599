// Rejects a hook that takes another type than the state `init` builds, on the hook's path.
struct Pool;
struct Cache;

fn open() -> Pool {
    Pool
}

fn close(_cache: &Cache) {}

#[ruchy_lambda::handler(init = open, shutdown = close)]
fn handle(event: &str, _pool: &Pool) -> String {
    event.to_owned()
}
