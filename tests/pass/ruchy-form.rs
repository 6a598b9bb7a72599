// Accepts the Ruchy form: two `&str` (request id, body) returning `String`.

mod lambda {
    #[ruchy_lambda::handler]
    fn handle(request_id: &str, body: &str) -> String {
        format!("{request_id}: {body}")
    }
}

fn main() {}
