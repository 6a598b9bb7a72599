// Accepts HTTP handlers: a `Request<Body>` event (the context may follow), returning a
// `Response`, anything `IntoResponse`, or a `Result` of one.

mod lambda {
    use ruchy_lambda::Context;
    use ruchy_lambda::http::{Body, Request, Response, StatusCode};

    #[ruchy_lambda::handler]
    fn handle(request: Request<Body>) -> Response<Body> {
        Response::new(request.into_body())
    }

    mod with_result {
        use super::*;

        #[ruchy_lambda::handler]
        fn handle(
            request: ruchy_lambda::http::Request<ruchy_lambda::http::Body>,
            ctx: &Context,
        ) -> Result<(StatusCode, String), std::fmt::Error> {
            Ok((StatusCode::ACCEPTED, format!("{} {}", request.uri(), ctx.request_id)))
        }
    }

    mod unit {
        use super::*;

        #[ruchy_lambda::handler]
        fn handle(_request: Request<Body>) {}
    }
}

fn main() {}
