// Rejects a destructuring pattern: parameters are names or `_`.
#[ruchy_lambda::handler]
fn handle((a, b): (u8, u8)) -> String {
    (a + b).to_string()
}
