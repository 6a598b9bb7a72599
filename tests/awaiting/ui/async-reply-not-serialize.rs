// The reply of an async handler must be `Serialize`, as a blocking one's.
struct Receipt;

#[ruchy_lambda::handler]
async fn handle(event: &str) -> Receipt {
    let _ = event;
    Receipt
}
