//! The Ruchy form: `fn(request_id: &str, body: &str) -> String`, the shape the Ruchy
//! transpiler emits. The first parameter gets the request id, the second the raw body.
//!
//! Send any event, e.g. `{"hello":"ruchy"}`; the reply is like
//! `{"request_id":"…","body_bytes":17}`.

#[ruchy_lambda::handler]
fn handle(request_id: &str, body: &str) -> String {
    format!(
        r#"{{"request_id":"{request_id}","body_bytes":{}}}"#,
        body.len()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn mentions_the_request_id() {
        assert_eq!(
            super::handle("req-1", "{}"),
            r#"{"request_id":"req-1","body_bytes":2}"#
        );
    }
}
