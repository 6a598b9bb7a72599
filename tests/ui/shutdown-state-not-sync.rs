// Rejects a shutdown hook on a state that is not `Sync`: the hook runs on its own thread.
use std::cell::RefCell;

struct Seen(RefCell<Vec<String>>);

fn build() -> Seen {
    Seen(RefCell::new(Vec::new()))
}

fn report(seen: &Seen) {
    println!("{}", seen.0.borrow().len());
}

#[ruchy_lambda::handler(init = build, shutdown = report)]
fn handle(event: String, seen: &Seen) -> usize {
    seen.0.borrow_mut().push(event);
    seen.0.borrow().len()
}
