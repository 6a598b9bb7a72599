// Accepts `Result<R, E: Display>` with every kind of `R`, and `Result` aliases such as
// `std::io::Result<T>`.

mod json_ok {
    #[derive(serde::Deserialize)]
    struct Order {
        qty: u32,
    }

    #[derive(serde::Serialize)]
    struct Receipt {
        total: u32,
    }

    #[ruchy_lambda::handler]
    fn handle(order: Order) -> Result<Receipt, String> {
        match order.qty {
            0 => Err("empty order".to_owned()),
            qty => Ok(Receipt { total: qty * 3 }),
        }
    }
}

mod raw_ok {
    #[ruchy_lambda::handler]
    fn handle(event: &str) -> core::result::Result<String, std::num::ParseIntError> {
        Ok(event.trim().parse::<u64>()?.to_string())
    }
}

mod unit_ok {
    #[ruchy_lambda::handler]
    fn handle(event: &[u8]) -> Result<(), &'static str> {
        if event.is_empty() {
            Err("empty event")
        } else {
            Ok(())
        }
    }
}

mod io_alias {
    #[ruchy_lambda::handler]
    fn handle(event: Vec<u8>) -> std::io::Result<Vec<u8>> {
        Ok(event)
    }
}

fn main() {}
