//! An error as a runtime reports it (`/error`, `/init/error`, a streamed reply's error trailers)
//! or as Lambda makes one up: shared by the invocation records, the streams and the server.

/// An error as reported to `/runtime/invocation/{id}/error` or `/runtime/init/error`, or as
/// Lambda makes one up when the runtime fails (`Runtime.ExitError`, a timeout).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorReport {
    /// The `Lambda-Runtime-Function-Error-Type` request header, if sent.
    pub error_type_header: Option<String>,
    /// The request body, byte for byte.
    pub body: Vec<u8>,
    /// `errorType` from the body, when the body is a JSON object that has it as a string.
    pub error_type: Option<String>,
    /// `errorMessage` from the body, when the body is a JSON object that has it as a string.
    pub error_message: Option<String>,
    /// `stackTrace` from the body: its string elements, others as JSON text.
    pub stack_trace: Vec<String>,
}

impl ErrorReport {
    /// Parses an error body leniently: anything that is not the expected JSON shape is kept as
    /// raw bytes only.
    pub fn parse(body: Vec<u8>, error_type_header: Option<String>) -> Self {
        let mut report = ErrorReport {
            error_type_header,
            body,
            ..ErrorReport::default()
        };
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&report.body) {
            let text = |key: &str| map.get(key).and_then(|v| v.as_str()).map(str::to_owned);
            report.error_type = text("errorType");
            report.error_message = text("errorMessage");
            if let Some(serde_json::Value::Array(frames)) = map.get("stackTrace") {
                report.stack_trace = frames
                    .iter()
                    .map(|f| f.as_str().map_or_else(|| f.to_string(), str::to_owned))
                    .collect();
            }
        }
        report
    }

    /// An error made up by Lambda itself (not sent by the runtime), with this JSON body:
    /// `{"errorType":..., "errorMessage":...}`, or only `errorMessage` when `error_type` is `None`.
    pub fn lambda(error_type: Option<&str>, error_message: &str) -> Self {
        // Written by hand to keep Lambda's key order: errorType first.
        let quote = |s: &str| serde_json::Value::from(s).to_string();
        let body = match error_type {
            Some(t) => format!(
                r#"{{"errorType":{},"errorMessage":{}}}"#,
                quote(t),
                quote(error_message)
            ),
            None => format!(r#"{{"errorMessage":{}}}"#, quote(error_message)),
        };
        ErrorReport::parse(body.into_bytes(), None)
    }

    /// The error type: `errorType` from the body, else the header, else `Unhandled`.
    pub fn kind(&self) -> &str {
        self.error_type
            .as_deref()
            .or(self.error_type_header.as_deref())
            .unwrap_or("Unhandled")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_error_bodies_leniently() {
        let r = ErrorReport::parse(
            br#"{"errorMessage":"m","errorType":"T","stackTrace":["a",{"f":1}]}"#.to_vec(),
            Some("H".into()),
        );
        assert_eq!(r.error_type.as_deref(), Some("T"));
        assert_eq!(r.error_message.as_deref(), Some("m"));
        assert_eq!(r.stack_trace, ["a", r#"{"f":1}"#]);
        assert_eq!(r.kind(), "T");

        let r = ErrorReport::parse(b"not json".to_vec(), Some("H".into()));
        assert_eq!((r.error_type.as_deref(), r.kind()), (None, "H"));
        assert_eq!(r.body, b"not json");
        assert_eq!(
            ErrorReport::parse(b"[1]".to_vec(), None).kind(),
            "Unhandled"
        );

        let r = ErrorReport::lambda(Some("Runtime.ExitError"), "RequestId: x Error: y");
        assert_eq!(
            r.body,
            br#"{"errorType":"Runtime.ExitError","errorMessage":"RequestId: x Error: y"}"#
        );
    }
}
