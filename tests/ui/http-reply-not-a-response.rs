// Rejects an HTTP handler whose return type cannot be an HTTP response, on the user's type.
use ruchy_lambda::http::{Body, Request};

#[ruchy_lambda::handler]
fn handle(_request: Request<Body>) -> u32 {
    7
}
