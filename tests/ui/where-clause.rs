// Rejects a `where` clause.
#[ruchy_lambda::handler]
fn handle(event: &str) -> String
where
    String: Clone,
{
    event.to_owned()
}
