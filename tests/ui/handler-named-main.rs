// Rejects a handler named `main`: the attribute generates `main`.
#[ruchy_lambda::handler]
fn main(event: &str) -> String {
    event.to_owned()
}
