//! `stream64` on ruchy-lambda: `{"writes":N}` → a streamed reply of N blocks of 64 KiB, written
//! to the `ResponseStream` one `write_all` each (1024 blocks: 64 MiB). The block is the bytes
//! `a`…`z` over and over.

use std::io::Write;

use ruchy_lambda::ResponseStream;

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

#[derive(serde::Deserialize)]
struct Plan {
    writes: u32,
}

#[ruchy_lambda::handler]
fn handle(plan: Plan, out: &mut ResponseStream) -> std::io::Result<()> {
    for _ in 0..plan.writes {
        out.write_all(&BLOCK)?;
    }
    Ok(())
}
