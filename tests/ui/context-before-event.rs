// Rejects the context before the event: the order is event, context, state.
use ruchy_lambda::Context;

#[ruchy_lambda::handler]
fn handle(ctx: &Context, event: &str) -> String {
    format!("{} {event}", ctx.request_id)
}
