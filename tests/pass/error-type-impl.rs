// Accepts a handler error that implements `ruchy_lambda::ErrorType` to choose its `errorType`.

mod lambda {
    use std::fmt;

    pub enum OrderError {
        Empty,
    }

    impl fmt::Display for OrderError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the order is empty")
        }
    }

    impl ruchy_lambda::ErrorType for OrderError {
        fn error_type(&self) -> &str {
            "Order.Empty"
        }
    }

    #[ruchy_lambda::handler]
    fn handle(event: &str) -> Result<String, OrderError> {
        if event.is_empty() {
            Err(OrderError::Empty)
        } else {
            Ok(event.to_owned())
        }
    }
}

fn main() {}
