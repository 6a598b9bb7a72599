// Accepts every plain return kind: raw `String`, `&'static str`, a `&str` borrowed from the
// event, `Vec<u8>`, `&'static [u8]`, `()`, no return type, and JSON (`T: Serialize`).

mod string {
    #[ruchy_lambda::handler]
    fn handle(event: &str) -> String {
        event.to_uppercase()
    }
}

mod static_str {
    #[ruchy_lambda::handler]
    fn handle(_: &str) -> &'static str {
        "ok"
    }
}

mod borrowed_str {
    #[ruchy_lambda::handler]
    fn handle(event: &str) -> &str {
        event.trim()
    }
}

mod byte_vec {
    #[ruchy_lambda::handler]
    fn handle(event: &[u8]) -> std::vec::Vec<u8> {
        event.to_vec()
    }
}

mod static_bytes {
    #[ruchy_lambda::handler]
    fn handle(_: &[u8]) -> &'static [u8] {
        b"ok"
    }
}

mod unit {
    #[ruchy_lambda::handler]
    fn handle(_: &[u8]) -> () {}
}

mod nothing {
    #[ruchy_lambda::handler]
    fn handle(_: &[u8]) {}
}

mod json {
    #[derive(serde::Serialize)]
    struct Receipt {
        total: u32,
    }

    #[ruchy_lambda::handler]
    fn handle(_: &[u8]) -> Receipt {
        Receipt { total: 3 }
    }
}

mod json_std_type {
    #[ruchy_lambda::handler]
    fn handle(event: &str) -> Vec<&str> {
        event.split(',').collect()
    }
}

fn main() {}
