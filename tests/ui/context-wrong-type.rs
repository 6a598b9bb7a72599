// Rejects a parameter named like the context whose type is another `Context`.
struct Context;

#[ruchy_lambda::handler]
fn handle(event: &str, _ctx: &Context) -> String {
    event.to_owned()
}
