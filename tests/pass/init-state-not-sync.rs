// Accepts a state that is not `Sync` (here a `RefCell`): it compiles, and when Lambda allows
// concurrent invocations it runs on one worker, saying so at start-up (tests/concurrency.rs).

mod lambda {
    use std::cell::RefCell;

    pub struct Seen(RefCell<Vec<String>>);

    fn build() -> Seen {
        Seen(RefCell::new(Vec::new()))
    }

    #[ruchy_lambda::handler(init = build)]
    fn handle(event: String, seen: &Seen) -> usize {
        seen.0.borrow_mut().push(event);
        seen.0.borrow().len()
    }
}

fn main() {}
