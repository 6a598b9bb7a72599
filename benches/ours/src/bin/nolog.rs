//! `nolog` on ruchy-lambda: `log10` without the records, built with the same features (the
//! logger is linked and installed): what `log10` costs when no record is written.

#[ruchy_lambda::handler]
fn handle(_event: &str) -> &'static str {
    r#"{"statusCode":200,"body":"ok"}"#
}
