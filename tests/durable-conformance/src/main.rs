//! The durable functions of AWS's durable execution conformance suite
//! (`aws-durable-execution-conformance-tests`), written with ruchy-lambda's durable SDK.
//!
//! One bootstrap for all of them: each invocation runs the function named by
//! `AWS_LAMBDA_FUNCTION_NAME`, so that `ruchy-lambda-local serve --function NAME=bin:PATH`
//! serves every function of the suite from one build. The names and the requirements each
//! function answers are those of `functions.json` (the names of AWS's reference templates); a
//! family's functions are in the module of the same name, each with the requirement it answers.

use ruchy_lambda::durable::{DurableContext, DurableError, ErrorObject};
use serde_json::Value;

mod batch;
mod callback;
mod child;
mod invoke;
mod map;
mod parallel;
mod step;
mod wait;
mod wait_for_callback;
mod wait_for_condition;

/// A function of the suite: the execution's input in, its result out.
type Function = fn(Value, &DurableContext) -> Result<Value, DurableError>;

/// Every function, by name.
const FAMILIES: [&[(&str, Function)]; 9] = [
    step::FUNCTIONS,
    wait::FUNCTIONS,
    child::FUNCTIONS,
    callback::FUNCTIONS,
    invoke::FUNCTIONS,
    wait_for_condition::FUNCTIONS,
    wait_for_callback::FUNCTIONS,
    parallel::FUNCTIONS,
    map::FUNCTIONS,
];

fn function(name: &str) -> Option<Function> {
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
}

#[ruchy_lambda::handler]
fn conformance(input: Value, ctx: &DurableContext) -> Result<Value, DurableError> {
    let name = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
    let run = function(&name).ok_or_else(|| {
        DurableError::user(
            "UnknownFunction",
            format!("no function of the conformance suite is named {name:?}"),
        )
    })?;
    run(input, ctx)
}

/// An error of a step or a branch of the suite's own: `ErrorType` `kind`, `ErrorMessage`
/// `message` (the reference handlers raise Python exceptions of these class names).
fn error(kind: &str, message: impl Into<String>) -> ErrorObject {
    ErrorObject::new(kind, message)
}

/// What a `try`/`catch` around an operation sees: the operation's failure as `Ok(Err(_))`, to
/// handle; the execution's suspension goes on up as `Err(_)`, as it must.
fn caught<T>(result: Result<T, DurableError>) -> Result<Result<T, DurableError>, DurableError> {
    match result {
        Err(e) if e.is_suspended() => Err(e),
        other => Ok(other),
    }
}

/// Logs `message` as a record of the execution whose ARN is `arn` (the field `executionArn`, as
/// the context loggers of AWS's SDKs write it), the way the suite finds an execution's lines.
fn log_for(arn: &str, message: &str) {
    log::info!(executionArn = arn; "{message}");
}

/// The execution's input as a string (the suite's inputs are mostly one string).
fn text(input: &Value) -> String {
    match input {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_one_function() {
        let mut names: Vec<&str> = FAMILIES
            .iter()
            .flat_map(|family| family.iter().map(|(n, _)| *n))
            .collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a name is given twice");
        assert!(function("StepBasic").is_some());
        assert!(function("NoSuchFunction").is_none());
    }

    /// Each function is one of the suite's (the names the driver serves them under).
    #[test]
    fn every_function_is_in_the_table() {
        let table: Value = serde_json::from_str(include_str!("../functions.json")).unwrap();
        let known: Vec<&str> = table["Functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["Name"].as_str().unwrap())
            .collect();
        for (name, _) in FAMILIES.iter().flat_map(|family| family.iter()) {
            assert!(known.contains(name), "{name} is not in functions.json");
        }
    }
}
