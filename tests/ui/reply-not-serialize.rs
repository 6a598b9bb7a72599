// Rejects a reply type that is not `serde::Serialize`, on the user's type.
struct Receipt {
    total: u32,
}

#[ruchy_lambda::handler]
fn handle(event: &str) -> Receipt {
    Receipt {
        total: event.len() as u32,
    }
}
