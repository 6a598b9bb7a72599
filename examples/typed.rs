//! Typed JSON in and out, with the invocation's `Context`: the request id, the time left
//! before the deadline, and the function's name.
//!
//! Send `{"name": "Ada"}`; the reply is like
//! `{"greeting":"Hello, Ada!","request_id":"…","remaining_ms":2998,"function_name":"typed"}`.

use ruchy_lambda::Context;

#[derive(serde::Deserialize)]
struct Greet {
    name: String,
}

#[derive(serde::Serialize)]
struct Greeting {
    greeting: String,
    request_id: String,
    remaining_ms: u128,
    function_name: String,
}

#[ruchy_lambda::handler]
fn handle(event: Greet, ctx: &Context) -> Greeting {
    Greeting {
        greeting: format!("Hello, {}!", event.name),
        request_id: ctx.request_id.clone(),
        remaining_ms: ctx.remaining_time().as_millis(),
        function_name: ctx.env_config.function_name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruchy_lambda::Config;
    use std::sync::Arc;
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn uses_the_context() {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let ctx = Context::new("req-1", now_ms + 60_000, Arc::new(Config::default()));
        let reply = handle(Greet { name: "Ada".into() }, &ctx);
        assert_eq!(reply.greeting, "Hello, Ada!");
        assert_eq!(reply.request_id, "req-1");
        assert!(reply.remaining_ms > 50_000 && reply.remaining_ms <= 60_000);
    }
}
