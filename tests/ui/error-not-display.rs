// Rejects a handler error type that is not `Display`, on the user's type.
#[derive(Debug)]
struct OrderError;

#[ruchy_lambda::handler]
fn handle(event: &str) -> Result<String, OrderError> {
    if event.is_empty() {
        Err(OrderError)
    } else {
        Ok(event.to_owned())
    }
}
