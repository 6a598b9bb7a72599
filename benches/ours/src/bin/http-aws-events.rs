//! `http-aws-events`: the `GET /hello` route of the `http` example on ruchy-lambda's raw handler
//! with `aws_lambda_events`' types (`ApiGatewayV2httpRequest` in, `ApiGatewayV2httpResponse`
//! out) instead of ruchy-lambda's own: only its size is measured, what those types would cost.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderValue, header};

#[ruchy_lambda::handler]
fn handle(event: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    let request: ApiGatewayV2httpRequest = serde_json::from_slice(event)?;
    let mut response = ApiGatewayV2httpResponse::default();
    let hello = (
        request.request_context.http.method.as_str(),
        request.raw_path.as_deref(),
    ) == ("GET", Some("/hello"));
    if hello {
        let name = request
            .query_string_parameters
            .first("name")
            .unwrap_or("world");
        response.status_code = 200;
        response.body = Some(Body::Text(format!("hello {name}")));
    } else {
        response.status_code = 404;
        response.body = Some(Body::Text("not found".to_owned()));
    }
    response
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    serde_json::to_vec(&response)
}
