// Accepts a handler that streams its reply: the raw event, then `&mut ResponseStream`, returning
// `()` or an `io::Result<()>`.

mod lambda {
    use std::io::Write;

    use ruchy_lambda::ResponseStream;

    #[ruchy_lambda::handler]
    fn handle(event: &str, out: &mut ResponseStream) {
        let _ = out.write_all(event.as_bytes());
    }

    mod with_result {
        use std::io::Write;

        #[ruchy_lambda::handler]
        fn handle(event: Vec<u8>, out: &mut ruchy_lambda::ResponseStream<'_>) -> std::io::Result<()> {
            out.write_all(&event)?;
            out.flush()
        }
    }
}

fn main() {}
