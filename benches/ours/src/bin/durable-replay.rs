//! The durable functions section: `{"steps": N}` runs N steps (step `i` returns `i`), waits 1 s,
//! and returns the sum. The invocation after the wait replays the N steps from their saved
//! results: what the figures measure. `benches/durable/replay.py` is the same function on AWS's
//! Python SDK.

use std::time::Duration;

use ruchy_lambda::durable::{DurableContext, DurableError};

#[derive(serde::Deserialize)]
struct Input {
    steps: u64,
}

#[ruchy_lambda::handler]
fn replay(input: Input, ctx: &DurableContext) -> Result<u64, DurableError> {
    let mut sum = 0;
    for i in 0..input.steps {
        sum += ctx.step(format!("step-{i}"), |_| Ok::<_, DurableError>(i))?;
    }
    ctx.wait("pause", Duration::from_secs(1))?;
    Ok(sum)
}
