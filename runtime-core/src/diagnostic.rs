//! The error report Lambda expects from a function: `errorType` and `errorMessage`.

use std::fmt;

/// An error as reported to Lambda: to `/runtime/invocation/{id}/error` for a failed invocation,
/// or to `/runtime/init/error` when the function cannot start.
///
/// The caller sees it as `{"errorType": "...", "errorMessage": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// A short name of the kind of error, e.g. `OrderEmpty` or `Panic`.
    pub error_type: String,
    /// What went wrong, for a person.
    pub error_message: String,
}

impl Diagnostic {
    /// A diagnostic with this type and message.
    pub fn new(error_type: impl Into<String>, error_message: impl Into<String>) -> Self {
        Diagnostic {
            error_type: error_type.into(),
            error_message: error_message.into(),
        }
    }

    /// The JSON body Lambda expects: `{"errorMessage":…,"errorType":…,"stackTrace":[]}`.
    ///
    /// Written by hand rather than through serde_json so that a function which never touches
    /// JSON does not carry a JSON serializer.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.error_message.len() + self.error_type.len() + 64);
        out.extend_from_slice(b"{\"errorMessage\":");
        write_json_string(&mut out, &self.error_message);
        out.extend_from_slice(b",\"errorType\":");
        write_json_string(&mut out, &self.error_type);
        out.extend_from_slice(b",\"stackTrace\":[]}");
        out
    }

    /// The diagnostic for a handler that panicked with `payload`.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "the handler panicked with a non-string payload".to_owned()
        };
        Diagnostic::new("Panic", message)
    }
}

/// Appends `s` as a JSON string literal (RFC 8259 escapes).
pub(crate) fn write_json_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ],
            _ => continue,
        };
        out.extend_from_slice(&s.as_bytes()[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&s.as_bytes()[start..]);
    out.push(b'"');
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.error_message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_the_three_fields_lambda_expects() {
        let d = Diagnostic::new("OrderEmpty", "order \"7\" is empty\n");
        assert_eq!(
            String::from_utf8(d.to_json()).unwrap(),
            r#"{"errorMessage":"order \"7\" is empty\n","errorType":"OrderEmpty","stackTrace":[]}"#
        );
    }

    #[test]
    fn json_escapes_agree_with_serde_json() {
        let nasty = "q\"b\\s/\u{0}\u{1f}\u{7f}\ttab\r\né😀\u{2028}";
        let d = Diagnostic::new(nasty, nasty);
        let parsed: serde_json::Value = serde_json::from_slice(&d.to_json()).unwrap();
        assert_eq!(parsed["errorType"], nasty);
        assert_eq!(parsed["errorMessage"], nasty);
        assert_eq!(parsed["stackTrace"], serde_json::json!([]));
    }

    #[test]
    fn panic_payloads_become_messages() {
        let p: Box<dyn std::any::Any + Send> = Box::new("boom");
        assert_eq!(
            Diagnostic::from_panic(&*p),
            Diagnostic::new("Panic", "boom")
        );
        let p: Box<dyn std::any::Any + Send> = Box::new(format!("n = {}", 3));
        assert_eq!(Diagnostic::from_panic(&*p).error_message, "n = 3");
        let p: Box<dyn std::any::Any + Send> = Box::new(42u8);
        assert_eq!(Diagnostic::from_panic(&*p).error_type, "Panic");
    }
}
