//! Waits (requirements 2-1 to 2-5).

use std::time::Duration;

use ruchy_lambda::durable::{DurableContext, DurableError};
use serde_json::{Value, json};

use crate::Function;

pub const FUNCTIONS: &[(&str, Function)] = &[
    ("WaitBasic", wait_basic),
    ("WaitWithName", wait_with_name),
    ("WaitMultipleSequential", wait_multiple_sequential),
    ("WaitDurationUnits", wait_duration_units),
    ("WaitLongDuration", wait_long_duration),
];

/// 2-1: one 2 s wait.
fn wait_basic(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.wait(None::<&str>, Duration::from_secs(2))?;
    Ok(json!("Wait completed"))
}

/// 2-2: a 2 s wait named `custom_wait_name`.
fn wait_with_name(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.wait("custom_wait_name", Duration::from_secs(2))?;
    Ok(json!("Wait with name completed"))
}

/// 2-3: two 2 s waits, one after the other.
fn wait_multiple_sequential(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.wait("wait-1", Duration::from_secs(2))?;
    ctx.wait("wait-2", Duration::from_secs(2))?;
    Ok(json!({"completedWaits": 2}))
}

/// 2-4: a wait of one minute (recorded as 60 s).
fn wait_duration_units(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.wait(None::<&str>, Duration::from_secs(60))?;
    Ok(json!("Wait with minutes completed"))
}

/// 2-5: a wait of one hour (recorded as 3600 s).
fn wait_long_duration(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    ctx.wait(None::<&str>, Duration::from_secs(60 * 60))?;
    Ok(json!("Wait with hours completed"))
}
