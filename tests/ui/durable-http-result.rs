// Rejects a durable handler whose result is an HTTP response, on the user's return type.
use ruchy_lambda::durable::{DurableContext, DurableError};
use ruchy_lambda::http::{Body, Response};

#[ruchy_lambda::handler]
fn handle(_input: &str, _ctx: &DurableContext) -> Result<Response<Body>, DurableError> {
    Ok(Response::new(Body::Empty))
}
