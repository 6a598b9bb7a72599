//! Echo: sends the event back byte for byte, whatever it is (JSON or not, UTF-8 or not).
//! The benchmarks use it to measure the runtime itself.
//!
//! Send anything, e.g. `{"hello":"world"}`; the reply is the same bytes.

#[ruchy_lambda::handler]
fn handle(event: &[u8]) -> Vec<u8> {
    event.to_vec()
}

#[cfg(test)]
mod tests {
    #[test]
    fn echoes_any_bytes() {
        assert_eq!(super::handle(b"\xff{\"a\":1}"), b"\xff{\"a\":1}");
    }
}
