// An async init builds a `u8`; the handler takes a `&String` state.
async fn make() -> u8 {
    1
}

#[ruchy_lambda::handler(init = make)]
async fn handle(event: &str, state: &String) -> String {
    format!("{event}{state}")
}
