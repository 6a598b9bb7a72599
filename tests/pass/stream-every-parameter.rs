// Accepts a streaming handler with every other parameter: a typed event, the context, the
// stream, and the state built by `init`, returning `Result<(), E>`.

mod lambda {
    use std::io::Write;
    use std::sync::atomic::{AtomicU64, Ordering};

    use ruchy_lambda::{Context, ResponseStream};

    #[derive(serde::Deserialize)]
    pub struct Ask {
        lines: u32,
    }

    pub struct Counter(AtomicU64);

    fn make() -> Counter {
        Counter(AtomicU64::new(0))
    }

    #[ruchy_lambda::handler(init = make)]
    fn handle(
        ask: Ask,
        ctx: &Context,
        out: &mut ResponseStream,
        counter: &Counter,
    ) -> Result<(), std::io::Error> {
        out.http_response(200, &[("content-type", "text/plain")], &[])?;
        for i in 0..ask.lines {
            writeln!(out, "{i} of {} ({})", ctx.request_id, counter.0.fetch_add(1, Ordering::Relaxed))?;
        }
        Ok(())
    }
}

fn main() {}
