//! `fibonacci` on `lambda_runtime`: `{"n":35}` (n defaults to 35) → `{"n":35,"fibonacci":9227465}`,
//! an error when F(n) does not fit in a `u64`.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Request {
    #[serde(default = "default_n")]
    n: u32,
}

fn default_n() -> u32 {
    35
}

#[derive(Serialize)]
struct Reply {
    n: u32,
    fibonacci: u64,
}

fn fibonacci(n: u32) -> Option<u64> {
    if n == 0 {
        return Some(0);
    }
    let (mut previous, mut current) = (0u64, 1u64);
    for _ in 1..n {
        (previous, current) = (current, previous.checked_add(current)?);
    }
    Some(current)
}

async fn handle(event: LambdaEvent<Request>) -> Result<Reply, Error> {
    let n = event.payload.n;
    match fibonacci(n) {
        Some(fibonacci) => Ok(Reply { n, fibonacci }),
        None => Err(format!("fibonacci({n}) does not fit in a u64: n must be at most 93").into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
