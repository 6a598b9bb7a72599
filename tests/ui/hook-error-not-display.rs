// Rejects a hook whose error is not `Display`, on the hook's path.
struct Pool;

#[derive(Debug)]
struct Lost;

fn open() -> Pool {
    Pool
}

fn drain(_pool: &Pool) -> Result<(), Lost> {
    Err(Lost)
}

#[ruchy_lambda::handler(init = open, before_snapshot = drain)]
fn handle(event: &str, _pool: &Pool) -> String {
    event.to_owned()
}
