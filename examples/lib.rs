//! Example Lambda functions, one bootstrap each: see the files next to this one and run one
//! with `cargo run --example <name>` under the local Lambda.
