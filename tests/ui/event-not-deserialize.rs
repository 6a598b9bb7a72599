// Rejects an event type that is not `serde::Deserialize`, on the user's type.
struct Order {
    qty: u32,
}

#[ruchy_lambda::handler]
fn handle(order: Order) -> String {
    order.qty.to_string()
}
