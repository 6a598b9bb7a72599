//! An HTTP function: one handler for API Gateway (REST and HTTP APIs), an Application Load
//! Balancer or a function URL, on the `http` crate's types.
//!
//! - `GET /hello?name=Ada` → 200 `text/plain` `hello Ada`;
//! - `POST /echo` → 200 with the request's body and content type, byte for byte (binary too);
//! - `GET /json` → 200 JSON with the method and the path;
//! - anything else → 404.
//!
//! On the local Lambda: `serve --example http --http apigw-v2`, then
//! `curl 'localhost:8080/hello?name=Ada'`.

use ruchy_lambda::http::{Body, Json, Request, RequestExt, Response, StatusCode, header};

#[derive(serde::Serialize)]
struct Seen<'a> {
    method: &'a str,
    path: &'a str,
}

#[ruchy_lambda::handler]
fn handle(request: Request<Body>) -> Response<Body> {
    use ruchy_lambda::http::IntoResponse;
    match (request.method().as_str(), request.uri().path()) {
        ("GET", "/hello") => {
            let name = request.query("name").unwrap_or_else(|| "world".to_owned());
            format!("hello {name}").into_response()
        }
        ("POST", "/echo") => {
            let content_type = request.headers().get(header::CONTENT_TYPE).cloned();
            let mut response = Response::new(Body::Binary(request.body().as_bytes().to_vec()));
            if let Some(content_type) = content_type {
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, content_type);
            }
            response
        }
        ("GET", "/json") => Json(Seen {
            method: request.method().as_str(),
            path: request.uri().path(),
        })
        .into_response(),
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let get = |uri: &str| handle(Request::builder().uri(uri).body(Body::Empty).unwrap());
        assert_eq!(get("/json").status(), StatusCode::OK);
        assert_eq!(get("/nope").status(), StatusCode::NOT_FOUND);
        // Without an event there are no decoded query parameters: the default name.
        assert_eq!(get("/hello").body(), &Body::Text("hello world".to_owned()));
    }
}
