//! `minimal` on the floor: answers `{"statusCode":200,"body":"ok"}` whatever the event.

fn handle(_event: &[u8], reply: &mut Vec<u8>) -> ruchy_lambda_bench_floor::Outcome {
    reply.extend_from_slice(br#"{"statusCode":200,"body":"ok"}"#);
    Ok(())
}

fn main() {
    ruchy_lambda_bench_floor::run(handle)
}
