//! `http` on `lambda_http` (the official crate's HTTP functions, over `lambda_runtime`): the
//! routes of ruchy-lambda's `http` example.
//!
//! - `GET /hello?name=Ada` → 200 `text/plain` `hello Ada`;
//! - `POST /echo` → 200 with the request's body and content type;
//! - `GET /json` → 200 JSON with the method and the path;
//! - anything else → 404.

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Error, Request, RequestExt, Response, service_fn};
use serde::Serialize;

#[derive(Serialize)]
struct Seen<'a> {
    method: &'a str,
    path: &'a str,
}

async fn handle(request: Request) -> Result<Response<Body>, Error> {
    let response = match (request.method().as_str(), request.uri().path()) {
        ("GET", "/hello") => {
            let name = request
                .query_string_parameters_ref()
                .and_then(|q| q.first("name"))
                .unwrap_or("world");
            Response::builder()
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::Text(format!("hello {name}")))?
        }
        ("POST", "/echo") => {
            let mut builder = Response::builder();
            if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
                builder = builder.header(header::CONTENT_TYPE, content_type);
            }
            builder.body(Body::Binary(request.body().to_vec()))?
        }
        ("GET", "/json") => {
            let seen = Seen {
                method: request.method().as_str(),
                path: request.uri().path(),
            };
            Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::Text(serde_json::to_string(&seen)?))?
        }
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::Text("not found".to_owned()))?,
    };
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(handle)).await
}
