//! Map (requirements 9-1 to 9-20): one function over a list of items, each item in a child
//! context of its own, at most `max_concurrency` at once, until a completion rule is met.

use std::time::Duration;

use std::sync::Arc;

use ruchy_lambda::durable::{
    BatchItem, BatchItemStatus, BatchResult, CompletionConfig, CompletionReason, DurableContext,
    DurableError, ErrorObject, MapConfig, Nesting, SerDes, serdes,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::batch::{self, ALL, COUNTS};
use crate::{Function, text};

pub const FUNCTIONS: &[(&str, Function)] = &[
    ("MapBasic", map_basic),
    ("MapItemsOnly", map_items_only),
    ("MapItemIndex", map_item_index),
    ("MapEmpty", map_empty),
    ("MapFailFast", map_fail_fast),
    ("MapThrowIfError", map_throw_if_error),
    ("MapMinSuccessful", map_min_successful),
    ("MapToleratedWithin", map_tolerated_within),
    ("MapToleratedExceeded", map_tolerated_exceeded),
    ("MapToleratedPct", map_tolerated_pct),
    ("MapConcurrent", map_concurrent),
    ("MapItemNamer", map_item_namer),
    ("MapItemSerdes", map_item_serdes),
    ("MapOpSerde", map_op_serde),
    ("MapOpSerdeReplay", map_op_serde_replay),
    ("MapFlat", map_flat),
    ("MapSuspendIteration", map_suspend_iteration),
    ("MapLargeResult", map_large_result),
    ("MapThenWait", map_then_wait),
    ("MapFailThenWait", map_fail_then_wait),
];

/// One item at a time, in order: a deterministic history.
fn sequential<I, R>() -> MapConfig<I, R> {
    MapConfig::new().max_concurrency(1)
}

fn sequential_until<I, R>(completion: CompletionConfig) -> MapConfig<I, R> {
    sequential().completion(completion)
}

/// The succeeded items' results, in item order.
fn results<R: Serialize + Clone>(batch: &BatchResult<R>) -> Value {
    json!(batch.results().into_iter().cloned().collect::<Vec<R>>())
}

/// The input as a list of items, or `default`.
fn items(input: Value, default: Value) -> Vec<Value> {
    match input {
        Value::Array(items) => items,
        _ => default.as_array().cloned().unwrap_or_default(),
    }
}

/// Each item is returned, except `fail`, which fails.
fn ok_unless_fail(
    _c: &DurableContext,
    item: &String,
    _index: usize,
) -> Result<String, DurableError> {
    if item == "fail" {
        Err(DurableError::user("RuntimeError", "item failed"))
    } else {
        Ok(item.clone())
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// 9-1: a step greeting each item.
fn map_basic(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let items = items(input, json!(["World", "Kiro"]));
    let batch = ctx.map(
        "map",
        items,
        |c: &DurableContext, item: &Value, _index: usize| {
            let name = text(item);
            c.step("greet", |_| Ok::<_, ErrorObject>(format!("Hello, {name}!")))
        },
        sequential(),
    )?;
    Ok(results(&batch))
}

/// 9-2: no name; each item doubled, without any operation.
fn map_items_only(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let items = items(input, json!([1, 2]));
    let batch = ctx.map(
        None::<&str>,
        items,
        |_c: &DurableContext, item: &Value, _index: usize| Ok(item.as_i64().unwrap_or(0) * 2),
        sequential(),
    )?;
    Ok(results(&batch))
}

/// 9-3: each item plus its index.
fn map_item_index(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let items = items(input, json!([10, 20, 30]));
    let batch = ctx.map(
        "item-index",
        items,
        |_c: &DurableContext, item: &Value, index: usize| {
            Ok(item.as_i64().unwrap_or(0) + index as i64)
        },
        sequential(),
    )?;
    Ok(results(&batch))
}

/// 9-4: no items.
fn map_empty(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let items = items(input, json!([]));
    let batch = ctx.map(
        "empty",
        items,
        |_c: &DurableContext, item: &Value, _index: usize| Ok(item.clone()),
        MapConfig::new(),
    )?;
    Ok(results(&batch))
}

/// 9-5: fail fast: ok, fail, (never started).
fn map_fail_fast(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(0));
    let batch = ctx.map(
        "failfast",
        strings(&["ok", "fail", "never"]),
        ok_unless_fail,
        config,
    )?;
    Ok(batch::summary(&batch, ALL))
}

/// 9-6: fail fast, then the batch's first error is raised: the execution fails.
fn map_throw_if_error(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(0));
    let batch = ctx.map("throw", strings(&["fail", "ok"]), ok_unless_fail, config)?;
    batch.throw_if_error()?;
    Ok(results(&batch))
}

/// 9-7: stops once two items succeeded.
fn map_min_successful(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().min_successful(2));
    let batch = ctx.map(
        "min-successful",
        strings(&["s0", "s1", "s2", "s3"]),
        ok_unless_fail,
        config,
    )?;
    Ok(batch::summary(
        &batch,
        &["completionReason", "successCount", "totalCount"],
    ))
}

/// 9-8: one failure tolerated: every item runs.
fn map_tolerated_within(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(1));
    let batch = ctx.map(
        "tolerated",
        strings(&["ok", "fail", "ok"]),
        ok_unless_fail,
        config,
    )?;
    Ok(batch::summary(&batch, ALL))
}

/// 9-9: a second failure exceeds the one tolerated: the third item never starts.
fn map_tolerated_exceeded(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(1));
    let batch = ctx.map(
        "tolerated-exceeded",
        strings(&["fail", "fail", "ok"]),
        ok_unless_fail,
        config,
    )?;
    Ok(batch::summary(&batch, COUNTS))
}

/// 9-10: 25 % of four items tolerated: the second failure (50 %) stops the batch.
fn map_tolerated_pct(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_percentage(25.0));
    let batch = ctx.map(
        "tolerated-pct",
        strings(&["fail", "fail", "ok", "ok"]),
        ok_unless_fail,
        config,
    )?;
    Ok(batch::summary(&batch, COUNTS))
}

/// 9-11: two items at once; the results come in item order.
fn map_concurrent(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = MapConfig::new().max_concurrency(2);
    let batch = ctx.map(
        "concurrent",
        strings(&["r0", "r1", "r2"]),
        ok_unless_fail,
        config,
    )?;
    Ok(results(&batch))
}

/// 9-13: each iteration named `item-<item>`; each item times 10.
fn map_item_namer(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let items = items(input, json!([1, 2]));
    let config = sequential().item_namer(|item: &Value, _index: usize| format!("item-{item}"));
    let batch = ctx.map(
        "named-items",
        items,
        |_c: &DurableContext, item: &Value, _index: usize| Ok(item.as_i64().unwrap_or(0) * 10),
        config,
    )?;
    Ok(results(&batch))
}

/// 9-14: each item upper-cased, its result written by a serializer of its own
/// (`wrapped:X`), read back through it.
fn map_item_serdes(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let wrap = serdes(
        |value: &String| Ok(format!("wrapped:{value}")),
        |text: &str| Ok(text.strip_prefix("wrapped:").unwrap_or(text).to_owned()),
    );
    let batch = ctx.map(
        "serdes",
        strings(&["x", "y"]),
        |_c: &DurableContext, item: &String, _index: usize| Ok(item.to_uppercase()),
        sequential().item_serdes(wrap),
    )?;
    Ok(results(&batch))
}

/// The whole map result written as `OPSERDE:` and the items' results joined by commas, read
/// back into a result of succeeded items (9-19, 9-20).
fn operation_serdes() -> Arc<dyn SerDes<BatchResult<String>>> {
    serdes(
        |result: &BatchResult<String>| {
            let values: Vec<&str> = result.results().into_iter().map(String::as_str).collect();
            Ok(format!("OPSERDE:{}", values.join(",")))
        },
        |text: &str| {
            let values = text
                .strip_prefix("OPSERDE:")
                .ok_or_else(|| format!("{text:?} is not an OPSERDE: payload"))?;
            let items = values
                .split(',')
                .enumerate()
                .map(|(index, v)| BatchItem {
                    index,
                    status: BatchItemStatus::Succeeded,
                    result: Some(v.to_owned()),
                    error: None,
                })
                .collect();
            Ok(BatchResult {
                items,
                completion_reason: CompletionReason::AllCompleted,
            })
        },
    )
}

/// 9-19: the whole map result written by a serializer of its own.
fn map_op_serde(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.map(
        "op-serde",
        strings(&["x", "y"]),
        |_c: &DurableContext, item: &String, _index: usize| Ok(item.to_uppercase()),
        sequential().serdes(operation_serdes()),
    )?;
    Ok(results(&batch))
}

/// 9-20: the same, then a 1 s wait: the replay reads the map result back through it.
fn map_op_serde_replay(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.map(
        "op-serde-replay",
        strings(&["x", "y"]),
        |_c: &DurableContext, item: &String, _index: usize| Ok(item.to_uppercase()),
        sequential().serdes(operation_serdes()),
    )?;
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    Ok(results(&batch))
}

/// 9-12: FLAT nesting: each item's step recorded under the map's context, no item contexts.
fn map_flat(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.map(
        "flat",
        strings(&["fa", "fb"]),
        |c: &DurableContext, item: &String, _index: usize| {
            c.step("return_value", |_| Ok::<_, ErrorObject>(item.clone()))
        },
        sequential().nesting(Nesting::Flat),
    )?;
    Ok(results(&batch))
}

/// 9-15: the second item waits 1 s (the execution suspends mid-map); on replay the first
/// item's saved result is used.
fn map_suspend_iteration(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.map(
        "suspend",
        strings(&["r0", "r1"]),
        |c: &DurableContext, item: &String, index: usize| {
            if index == 1 {
                c.wait(None::<&str>, Duration::from_secs(1))?;
            }
            c.step("return_value", |_| Ok::<_, ErrorObject>(item.clone()))
        },
        sequential(),
    )?;
    Ok(results(&batch))
}

/// 9-16: four results of 70 KB each: the map's result is too large for its checkpoint.
fn map_large_result(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.map(
        "large",
        vec![0, 1, 2, 3],
        |_c: &DurableContext, _item: &i32, _index: usize| Ok("x".repeat(70_000)),
        sequential(),
    )?;
    Ok(batch::summary(&batch, &["successCount", "totalCount"]))
}

/// 9-17: a map, then a 1 s wait; on replay the map's saved result is used.
fn map_then_wait(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.map(
        "then-wait",
        strings(&["a", "b"]),
        |_c: &DurableContext, item: &String, _index: usize| Ok(item.to_uppercase()),
        sequential(),
    )?;
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    Ok(results(&batch))
}

/// 9-18: a map with a tolerated failure, then a 1 s wait.
fn map_fail_then_wait(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(1));
    let batch = ctx.map(
        "fail-then-wait",
        strings(&["ok", "fail"]),
        ok_unless_fail,
        config,
    )?;
    ctx.wait(None::<&str>, Duration::from_secs(1))?;
    Ok(batch::summary(&batch, ALL))
}
