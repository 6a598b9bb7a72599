// Rejects a response stream taken by shared reference: it is written to.
use ruchy_lambda::ResponseStream;

#[ruchy_lambda::handler]
fn handle(_event: &str, _out: &ResponseStream) {}
