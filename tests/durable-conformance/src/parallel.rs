//! Parallel (requirements 8-1 to 8-22): branches, each in a child context of its own, run at
//! most `max_concurrency` at once, until a completion rule is met.

use std::time::Duration;

use ruchy_lambda::durable::{
    BatchResult, CompletionConfig, DurableContext, DurableError, ErrorObject, Nesting,
    ParallelConfig, branch, named_branch,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Function;
use crate::batch::{self, ALL, COUNTS};

pub const FUNCTIONS: &[(&str, Function)] = &[
    ("ParallelBasic", parallel_basic),
    ("ParallelBranchesOnly", parallel_branches_only),
    ("ParallelNamed", parallel_named),
    ("ParallelHetero", parallel_hetero),
    ("ParallelEmpty", parallel_empty),
    ("ParallelFailFast", parallel_fail_fast),
    ("ParallelThrowIfError", parallel_throw_if_error),
    ("ParallelMinSuccessful", parallel_min_successful),
    ("ParallelTolerated", parallel_tolerated),
    ("ParallelToleratedExceeded", parallel_tolerated_exceeded),
    ("ParallelConcurrent", parallel_concurrent),
    ("ParallelToleratedPct", parallel_tolerated_pct),
    ("ParallelReplay", parallel_replay),
    ("ParallelCustomSerde", parallel_custom_serde),
    ("ParallelAllFail", parallel_all_fail),
    ("ParallelMinNotReached", parallel_min_not_reached),
    ("ParallelCombinedConfig", parallel_combined_config),
    ("ParallelBadConcurrency", parallel_bad_concurrency),
    ("ParallelAccessors", parallel_accessors),
    ("ParallelNested", parallel_nested),
    ("ParallelPctBoundary", parallel_pct_boundary),
    ("ParallelFlat", parallel_flat),
];

/// 8-12: FLAT nesting: each branch's step recorded under the parallel's context, no branch
/// contexts.
fn parallel_flat(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let step = |c: &DurableContext, value: &'static str| {
        c.step("return_value", move |_| {
            Ok::<_, ErrorObject>(value.to_owned())
        })
    };
    let batch = ctx.parallel(
        "flat",
        vec![
            branch(move |c: &DurableContext| step(c, "fa")),
            branch(move |c: &DurableContext| step(c, "fb")),
        ],
        sequential().nesting(Nesting::Flat),
    )?;
    Ok(json!(batch.into_results()))
}

/// One branch at a time, in order: a deterministic history.
fn sequential() -> ParallelConfig {
    ParallelConfig::new().max_concurrency(1)
}

fn sequential_until(completion: CompletionConfig) -> ParallelConfig {
    sequential().completion(completion)
}

/// The succeeded branches' results, in branch order.
fn results<R: Serialize + Clone>(batch: &BatchResult<R>) -> Value {
    json!(batch.results().into_iter().cloned().collect::<Vec<R>>())
}

/// A step named `name` returning `value`.
fn step_returning(ctx: &DurableContext, name: &str, value: &str) -> Result<String, DurableError> {
    ctx.step(name, |_| Ok::<_, ErrorObject>(value.to_owned()))
}

/// A branch's own failure.
fn branch_failed() -> DurableError {
    DurableError::user("RuntimeError", "branch failed")
}

/// The outcome of each branch of a row: `true` succeeds (returning "ok"), `false` fails.
fn outcomes(
    ctx: &DurableContext,
    name: &str,
    row: &[bool],
    config: ParallelConfig,
) -> Result<BatchResult<String>, DurableError> {
    let branches = row
        .iter()
        .map(|&ok| {
            branch(move |_c: &DurableContext| {
                if ok {
                    Ok("ok".to_owned())
                } else {
                    Err(branch_failed())
                }
            })
        })
        .collect();
    ctx.parallel(name, branches, config)
}

/// 8-1: two branches of one step each.
fn parallel_basic(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.parallel(
        "parallel",
        vec![
            branch(|c: &DurableContext| step_returning(c, "return_value", "task-1")),
            branch(|c: &DurableContext| step_returning(c, "return_value", "task-2")),
        ],
        sequential(),
    )?;
    Ok(results(&batch))
}

/// 8-2: no name; the branches return without any operation.
fn parallel_branches_only(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.parallel(
        None::<&str>,
        vec![
            branch(|_c: &DurableContext| Ok("alpha".to_owned())),
            branch(|_c: &DurableContext| Ok("beta".to_owned())),
        ],
        sequential(),
    )?;
    Ok(results(&batch))
}

/// 8-3: named branches, `first` and `second`.
fn parallel_named(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.parallel(
        "named",
        vec![
            named_branch("first", |_c: &DurableContext| Ok("one".to_owned())),
            named_branch("second", |_c: &DurableContext| Ok("two".to_owned())),
        ],
        sequential(),
    )?;
    Ok(results(&batch))
}

/// 8-4: branches returning a string, a number and an object.
fn parallel_hetero(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.parallel(
        "hetero",
        vec![
            branch(|_c: &DurableContext| Ok(json!("hello"))),
            branch(|_c: &DurableContext| Ok(json!(42))),
            branch(|_c: &DurableContext| Ok(json!({"k": "v"}))),
        ],
        sequential(),
    )?;
    Ok(results(&batch))
}

/// 8-5: no branches.
fn parallel_empty(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch: BatchResult<String> = ctx.parallel("empty", Vec::new(), ParallelConfig::new())?;
    Ok(results(&batch))
}

/// 8-6: fail fast: ok, fail, (never started).
fn parallel_fail_fast(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(0));
    let batch = outcomes(ctx, "failfast", &[true, false, true], config)?;
    Ok(batch::summary(&batch, ALL))
}

/// 8-7: fail fast, then the batch's first error is raised: the execution fails.
fn parallel_throw_if_error(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(0));
    let batch = outcomes(ctx, "throw", &[false, true], config)?;
    batch.throw_if_error()?;
    Ok(results(&batch))
}

/// 8-8: stops once two branches succeeded.
fn parallel_min_successful(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().min_successful(2));
    let batch = outcomes(ctx, "min-successful", &[true; 4], config)?;
    Ok(batch::summary(
        &batch,
        &["completionReason", "successCount", "totalCount"],
    ))
}

/// 8-9: one failure tolerated: every branch runs.
fn parallel_tolerated(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(1));
    let batch = outcomes(ctx, "tolerated", &[true, false, true], config)?;
    Ok(batch::summary(&batch, ALL))
}

/// 8-10: a second failure exceeds the one tolerated: the third branch never starts.
fn parallel_tolerated_exceeded(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(1));
    let batch = outcomes(ctx, "tolerated-exceeded", &[false, false, true], config)?;
    Ok(batch::summary(&batch, COUNTS))
}

/// 8-11: two branches at once; the results come in branch order.
fn parallel_concurrent(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let branches = ["r0", "r1", "r2"]
        .into_iter()
        .map(|r| branch(move |_c: &DurableContext| Ok(r.to_owned())))
        .collect();
    let batch = ctx.parallel(
        "concurrent",
        branches,
        ParallelConfig::new().max_concurrency(2),
    )?;
    Ok(results(&batch))
}

/// 8-13: 25 % of four branches tolerated: the second failure (50 %) stops the batch.
fn parallel_tolerated_pct(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_percentage(25.0));
    let batch = outcomes(ctx, "tolerated-pct", &[false, false, true, true], config)?;
    Ok(batch::summary(&batch, COUNTS))
}

/// 8-14: the second branch waits 2 s; on replay the first one's saved result is used.
fn parallel_replay(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = ctx.parallel(
        "replay",
        vec![
            branch(|c: &DurableContext| step_returning(c, "ret_b0", "b0")),
            branch(|c: &DurableContext| {
                c.wait(None::<&str>, Duration::from_secs(2))?;
                Ok("b1".to_owned())
            }),
        ],
        sequential(),
    )?;
    Ok(results(&batch))
}

/// 8-15's branch result: checkpointed as `{"wrapped": v}`, read back as `v`.
#[derive(Clone, Serialize, Deserialize)]
struct Wrapped {
    wrapped: String,
}

/// 8-15: the branches' results go through a serialization of their own.
fn parallel_custom_serde(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let wrap = |v: &str| Wrapped {
        wrapped: v.to_owned(),
    };
    let batch = ctx.parallel(
        "serde",
        vec![
            branch(move |_c: &DurableContext| Ok(wrap("x"))),
            branch(move |_c: &DurableContext| Ok(wrap("y"))),
        ],
        sequential(),
    )?;
    let values: Vec<String> = batch
        .results()
        .into_iter()
        .map(|w| w.wrapped.clone())
        .collect();
    Ok(json!(values))
}

/// 8-16: every branch fails, all three tolerated.
fn parallel_all_fail(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(3));
    let batch = outcomes(ctx, "all-fail", &[false, false, false], config)?;
    Ok(batch::summary(&batch, ALL))
}

/// 8-17: three successes wanted, two come: every branch runs.
fn parallel_min_not_reached(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().min_successful(3));
    let batch = outcomes(ctx, "min-not-reached", &[true, false, true], config)?;
    Ok(batch::summary(&batch, ALL))
}

/// 8-18: three successes wanted, one failure tolerated: the second failure stops the batch.
fn parallel_combined_config(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(
        CompletionConfig::new()
            .min_successful(3)
            .tolerated_failure_count(1),
    );
    let batch = outcomes(ctx, "combined", &[false, false, true, true], config)?;
    Ok(batch::summary(&batch, COUNTS))
}

/// 8-19: a max concurrency of 0 is refused before any branch runs.
fn parallel_bad_concurrency(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let batch = outcomes(
        ctx,
        "bad-concurrency",
        &[true, true],
        ParallelConfig::new().max_concurrency(0),
    )?;
    Ok(results(&batch))
}

/// 8-20: the batch's accessors: has a failure, the succeeded, the failed, the errors.
fn parallel_accessors(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_count(1));
    let batch = outcomes(ctx, "accessors", &[true, false, true], config)?;
    Ok(json!({
        "hasFailure": batch.failure_count() > 0,
        "successCount": batch.results().len(),
        "failureCount": batch.failure_count(),
        "errorCount": batch.errors().len(),
    }))
}

/// 8-21: one branch running a parallel of two steps.
fn parallel_nested(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let outer = ctx.parallel(
        "outer",
        vec![branch(|c: &DurableContext| {
            let inner = c.parallel(
                "inner",
                vec![
                    branch(|c: &DurableContext| step_returning(c, "ret", "i1")),
                    branch(|c: &DurableContext| step_returning(c, "ret", "i2")),
                ],
                sequential(),
            )?;
            Ok(inner
                .results()
                .into_iter()
                .cloned()
                .collect::<Vec<String>>())
        })],
        sequential(),
    )?;
    Ok(results(&outer))
}

/// 8-22: 25 % of four branches tolerated, one fails (exactly 25 %): every branch runs.
fn parallel_pct_boundary(_input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let config = sequential_until(CompletionConfig::new().tolerated_failure_percentage(25.0));
    let batch = outcomes(ctx, "pct-boundary", &[false, true, true, true], config)?;
    Ok(batch::summary(&batch, ALL))
}
