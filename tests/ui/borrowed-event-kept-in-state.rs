// Rejects keeping a borrowed event past the invocation: the body it borrows from is gone when
// the invocation ends, and the state lives on.
use std::sync::Mutex;

#[derive(serde::Deserialize)]
struct Message<'a> {
    id: &'a str,
}

struct Seen(Mutex<Vec<&'static str>>);

fn build() -> Seen {
    Seen(Mutex::new(Vec::new()))
}

#[ruchy_lambda::handler(init = build)]
fn handle(message: Message<'_>, seen: &Seen) -> usize {
    let mut ids = seen.0.lock().unwrap();
    ids.push(message.id);
    ids.len()
}
