// Rejects an event with a `&'static str` field: it would have to borrow from a body that lives
// only as long as the invocation.
#[derive(serde::Deserialize)]
struct Message {
    id: &'static str,
}

#[ruchy_lambda::handler]
fn handle(message: Message) -> usize {
    message.id.len()
}
