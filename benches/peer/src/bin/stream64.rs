//! `stream64` on `lambda_runtime`: `{"writes":N}` → a streamed reply of N blocks of 64 KiB
//! (1024 blocks: 64 MiB), the crate's documented way: `lambda_runtime::streaming::channel()`, a
//! task sending each block, and the receiving `Body` returned as a `streaming::Response`. The
//! block is the bytes `a`…`z` over and over. (The crate sends its reply as a function URL's HTTP
//! integration response: a JSON prelude and 8 NUL bytes before the body.)

use lambda_runtime::streaming::{Body, Response, channel};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::Deserialize;

const SIZE: usize = 64 * 1024;

static BLOCK: [u8; SIZE] = block();

const fn block() -> [u8; SIZE] {
    let mut block = [0; SIZE];
    let mut i = 0;
    while i < SIZE {
        block[i] = b'a' + (i % 26) as u8;
        i += 1;
    }
    block
}

#[derive(Deserialize)]
struct Plan {
    writes: u32,
}

async fn handle(event: LambdaEvent<Plan>) -> Result<Response<Body>, Error> {
    let (mut sender, body) = channel();
    let writes = event.payload.writes;
    tokio::spawn(async move {
        for _ in 0..writes {
            if sender.send_data(BLOCK[..].into()).await.is_err() {
                return;
            }
        }
    });
    Ok(Response::from(body))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
