// Accepts events that borrow from the body of the invocation: `&'a str`, `Cow<'a, str>` and
// `&'a RawValue` fields, an elided or a named lifetime, with the context, a state, a streaming
// writer, a `Result`, and a reply that borrows from the event (written before the invocation
// ends). Owned events are the same form with no lifetime.

mod lambda {
    use std::borrow::Cow;

    use ruchy_lambda::{Context, ResponseStream};
    use serde_json::value::RawValue;

    #[derive(serde::Deserialize)]
    pub struct Batch<'a> {
        #[serde(rename = "Records", borrow)]
        pub records: Vec<Message<'a>>,
    }

    #[derive(serde::Deserialize)]
    pub struct Message<'a> {
        #[serde(rename = "messageId")]
        pub message_id: &'a str,
        #[serde(borrow)]
        pub body: Cow<'a, str>,
        #[serde(borrow)]
        pub attributes: Option<&'a RawValue>,
    }

    #[derive(serde::Serialize)]
    pub struct Summary<'a> {
        pub first: Option<&'a str>,
        pub bytes: usize,
    }

    mod elided {
        #[ruchy_lambda::handler]
        fn handle(batch: super::Batch<'_>) -> usize {
            batch.records.iter().map(|m| m.body.len()).sum()
        }
    }

    mod named_with_context {
        use super::*;

        #[ruchy_lambda::handler]
        fn handle<'a>(batch: Batch<'a>, ctx: &Context) -> Summary<'a> {
            let _ = &ctx.request_id;
            Summary {
                first: batch.records.first().map(|m| m.message_id),
                bytes: batch.records.iter().map(|m| m.body.len()).sum(),
            }
        }
    }

    mod with_state {
        use super::*;
        use std::sync::atomic::{AtomicUsize, Ordering};

        pub struct Seen(AtomicUsize);

        fn build() -> Seen {
            Seen(AtomicUsize::new(0))
        }

        #[ruchy_lambda::handler(init = build)]
        fn handle(batch: Batch<'_>, seen: &Seen) -> Result<String, std::fmt::Error> {
            let n = seen.0.fetch_add(batch.records.len(), Ordering::Relaxed);
            Ok(format!("{n}"))
        }
    }

    mod streams {
        use super::*;
        use std::io::Write;

        #[ruchy_lambda::handler]
        fn handle(batch: Batch<'_>, _ctx: &Context, out: &mut ResponseStream) -> std::io::Result<()> {
            for message in &batch.records {
                out.write_all(message.body.as_bytes())?;
            }
            Ok(())
        }
    }
}

mod lifetime_parameter {
    #[ruchy_lambda::handler]
    fn handle<'a>(event: &'a str) -> &'a str {
        event
    }
}

fn main() {}
