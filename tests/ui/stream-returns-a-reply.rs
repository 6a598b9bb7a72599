// Rejects a streaming handler that also returns a reply: the reply is what it writes.
use ruchy_lambda::ResponseStream;

#[ruchy_lambda::handler]
fn handle(event: &str, _out: &mut ResponseStream) -> String {
    event.to_owned()
}
