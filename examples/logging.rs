//! Logs the way Lambda reads them: `log` records at every level, with key-values, and (built
//! with `--features tracing`) a `tracing` event with structured fields.
//!
//! Send any event, e.g. `{"user":"ada"}`. Each record carries the invocation's request id and
//! follows `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL` (the local Lambda's
//! `--log-format json --log-level debug`):
//!
//! ```text
//! {"timestamp":"2026-11-27T17:00:00.123Z","level":"INFO","requestId":"8476a536-…","message":"hello ada","user":"ada","items":3}
//! ```

#[derive(serde::Deserialize)]
struct Greeting {
    #[serde(default)]
    user: String,
}

#[ruchy_lambda::handler]
fn handle(event: Greeting) -> String {
    let user = event.user.as_str();
    log::trace!("tracing every step for {user}");
    log::debug!("the event names {} user(s)", usize::from(!user.is_empty()));
    log::info!(user, items = 3; "hello {user}");
    log::warn!("this message spans\ntwo lines");
    log::error!("quotes \" and tabs \t are escaped in JSON");
    #[cfg(feature = "tracing")]
    tracing::info!(user, attempt = 1_u64, ok = true, "hello from tracing");
    format!("logged for {user}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_whatever_the_logger() {
        let reply = handle(Greeting {
            user: "ada".to_owned(),
        });
        assert_eq!(reply, "logged for ada");
    }
}
