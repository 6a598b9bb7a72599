//! `stream64` on the floor: `{"writes":N}` → a streamed reply of N blocks of 64 KiB, each
//! written at once as one chunk (1024 blocks: 64 MiB). The block is the bytes `a`…`z` over and
//! over. The event is read with a hand-written scan (std only).

use std::io::Write;

use ruchy_lambda_bench_floor::Chunked;

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

fn handle(event: &[u8], out: &mut Chunked<'_>) -> std::io::Result<()> {
    let writes = field(event, b"\"writes\"").unwrap_or(0);
    for _ in 0..writes {
        out.write_all(&BLOCK)?;
    }
    Ok(())
}

/// The value of a top-level `"name": <digits>` member.
fn field(event: &[u8], name: &[u8]) -> Option<u64> {
    let at = event.windows(name.len()).position(|w| w == name)?;
    let rest = event[at + name.len()..]
        .trim_ascii_start()
        .strip_prefix(b":")?;
    let rest = rest.trim_ascii_start();
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

fn main() {
    ruchy_lambda_bench_floor::run_streaming(handle)
}
