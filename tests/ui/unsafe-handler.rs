// Rejects an `unsafe fn`: the generated `main` calls the handler as a safe function.
#[ruchy_lambda::handler]
unsafe fn handle(event: &str) -> String {
    event.to_owned()
}
