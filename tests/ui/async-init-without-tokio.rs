// An `async fn` init without the `tokio` feature of ruchy-lambda: the error is on `init`'s path
// and names the feature.
async fn make_state() -> u32 {
    7
}

#[ruchy_lambda::handler(init = make_state)]
fn handle(event: &str, state: &u32) -> String {
    format!("{event} {state}")
}
