// A stream parameter must be ruchy-lambda's: another type named `ResponseStream` is a type error
// on the user's token.
struct ResponseStream;

#[ruchy_lambda::handler]
fn handle(_event: &str, _out: &mut ResponseStream) {}
