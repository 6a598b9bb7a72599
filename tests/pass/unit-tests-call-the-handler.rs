// Keeps the handler as written: other code (such as unit tests) calls it directly.

mod lambda {
    #[ruchy_lambda::handler]
    pub fn handle(event: &str) -> String {
        event.to_uppercase()
    }
}

fn main() {
    assert_eq!(lambda::handle("ok"), "OK");
}
