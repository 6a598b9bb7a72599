{% if http_function -%}
//! An HTTP function: one handler for API Gateway (REST and HTTP APIs), an Application Load
//! Balancer or a function URL, on the `http` crate's types.
//!
//! `#[ruchy_lambda::handler]` adds `fn main`, which runs the handler for every invocation;
//! the function itself stays as written, for the unit tests below.

use ruchy_lambda::http::{Body, IntoResponse, Request, RequestExt, Response, StatusCode};

#[ruchy_lambda::handler]
fn handle(request: Request<Body>) -> Response<Body> {
    match (request.method().as_str(), request.uri().path()) {
        ("GET", "/hello") => {
            let name = request.query("name").unwrap_or_else(|| "world".to_owned());
            format!("hello {name}").into_response()
        }
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str) -> Response<Body> {
        handle(Request::builder().uri(uri).body(Body::Empty).unwrap())
    }

    #[test]
    fn says_hello() {
        let response = get("/hello");
        assert_eq!(response.status(), StatusCode::OK);
        // Without an event there are no decoded query parameters: the default name.
        assert_eq!(response.body(), &Body::Text("hello world".to_owned()));
    }

    #[test]
    fn anything_else_is_not_found() {
        assert_eq!(get("/nope").status(), StatusCode::NOT_FOUND);
    }
}
{% else -%}
//! A Lambda function: an order in, a receipt out.
//!
//! `#[ruchy_lambda::handler]` adds `fn main`, which runs the handler for every invocation;
//! the function itself stays as written, for the unit tests below.

use ruchy_lambda::Context;

/// The event, as JSON: `{"id": 7, "qty": 2}`.
#[derive(serde::Deserialize)]
struct Order {
    id: u64,
    qty: u32,
}

/// The reply, as JSON: `{"id": 7, "total": 6}`.
#[derive(serde::Serialize)]
struct Receipt {
    id: u64,
    total: u32,
}

/// An `Err` is the invocation's error:
/// `{"errorType":"String","errorMessage":"order 7 is empty"}`.
#[ruchy_lambda::handler]
fn handle(order: Order, ctx: &Context) -> Result<Receipt, String> {
    if order.qty == 0 {
        return Err(format!("order {} is empty", order.id));
    }
    // Printed lines go to the function's log (CloudWatch on Lambda).
    println!("order {} ({} items), request {}", order.id, order.qty, ctx.request_id);
    Ok(Receipt {
        id: order.id,
        total: order.qty * 3,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context::new("test-request", 0, Default::default())
    }

    #[test]
    fn totals_an_order() {
        let receipt = handle(Order { id: 7, qty: 2 }, &context()).unwrap();
        assert_eq!((receipt.id, receipt.total), (7, 6));
    }

    #[test]
    fn refuses_an_empty_order() {
        let error = handle(Order { id: 7, qty: 0 }, &context()).err();
        assert_eq!(error.as_deref(), Some("order 7 is empty"));
    }

    #[test]
    fn reads_the_example_event() {
        let order: Order = serde_json::from_str(include_str!("../events/example.json")).unwrap();
        assert_eq!((order.id, order.qty), (7, 2));
    }
}
{% endif -%}
