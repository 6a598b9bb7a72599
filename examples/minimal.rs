//! The smallest Lambda function: takes the raw event as `&str` and answers
//! `{"statusCode":200,"body":"ok"}` whatever it is sent.
//!
//! Send any event, e.g. `{}`.

#[ruchy_lambda::handler]
fn handle(_event: &str) -> &'static str {
    r#"{"statusCode":200,"body":"ok"}"#
}

#[cfg(test)]
mod tests {
    #[test]
    fn answers_ok() {
        assert_eq!(super::handle("{}"), r#"{"statusCode":200,"body":"ok"}"#);
    }
}
