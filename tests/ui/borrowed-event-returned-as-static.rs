// Rejects a reply that claims to outlive the invocation while it borrows from the event.
#[derive(serde::Deserialize)]
struct Message<'a> {
    id: &'a str,
}

#[ruchy_lambda::handler]
fn handle(message: Message<'_>) -> &'static str {
    message.id
}
