//! `echo` on the floor: sends the event back byte for byte.

fn handle(event: &[u8], reply: &mut Vec<u8>) -> ruchy_lambda_bench_floor::Outcome {
    reply.extend_from_slice(event);
    Ok(())
}

fn main() {
    ruchy_lambda_bench_floor::run(handle)
}
