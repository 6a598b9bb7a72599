//! `examples/dynamodb.rs` without its connection in init: its source, as `build.rs` copies it
//! with `db.connect_now(workers)` replaced by [`no_connection`]. The first invocation opens the
//! connection (TLS handshake included), as a client without `connect_now` does.

include!(concat!(env!("OUT_DIR"), "/dynamodb_lazy.rs"));

/// In place of `DynamoDb::connect_now`: connects nothing.
fn no_connection(_workers: usize) -> Result<(), Error> {
    Ok(())
}
