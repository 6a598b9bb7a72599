//! Errors: a handler error with its own `errorType`, and a panic.
//!
//! - `{"divide": 6, "by": 3}` → `{"quotient":2}`;
//! - `{"divide": 6, "by": 0}` → an error with `errorType` `Math.DivisionByZero`;
//! - `{"divide": -9223372036854775808, "by": -1}` → `errorType` `Math.Overflow`;
//! - `{"panic": true}` → a panic, reported with `errorType` `Panic` (when the build unwinds,
//!   which the default release profile does); the next event is served as usual.

use std::fmt;

#[derive(serde::Deserialize)]
struct Request {
    #[serde(default)]
    divide: i64,
    #[serde(default = "one")]
    by: i64,
    #[serde(default)]
    panic: bool,
}

fn one() -> i64 {
    1
}

#[derive(serde::Serialize, Debug, PartialEq)]
struct Quotient {
    quotient: i64,
}

#[derive(Debug, PartialEq)]
enum MathError {
    DivisionByZero,
    Overflow,
}

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MathError::DivisionByZero => f.write_str("cannot divide by zero"),
            MathError::Overflow => f.write_str("the quotient does not fit in an i64"),
        }
    }
}

impl ruchy_lambda::ErrorType for MathError {
    fn error_type(&self) -> &str {
        match self {
            MathError::DivisionByZero => "Math.DivisionByZero",
            MathError::Overflow => "Math.Overflow",
        }
    }
}

#[ruchy_lambda::handler]
fn handle(request: Request) -> Result<Quotient, MathError> {
    if request.panic {
        panic!("asked to panic");
    }
    if request.by == 0 {
        return Err(MathError::DivisionByZero);
    }
    let quotient = request
        .divide
        .checked_div(request.by)
        .ok_or(MathError::Overflow)?;
    Ok(Quotient { quotient })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(json: &str) -> Result<Quotient, MathError> {
        handle(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn divides() {
        assert_eq!(
            run(r#"{"divide": 6, "by": 3}"#),
            Ok(Quotient { quotient: 2 })
        );
    }

    #[test]
    fn errors_have_their_own_type() {
        use ruchy_lambda::ErrorType;
        let error = run(r#"{"divide": 6, "by": 0}"#).unwrap_err();
        assert_eq!(error.error_type(), "Math.DivisionByZero");
        let error = run(r#"{"divide": -9223372036854775808, "by": -1}"#).unwrap_err();
        assert_eq!(error.error_type(), "Math.Overflow");
    }

    #[test]
    #[should_panic(expected = "asked to panic")]
    fn panics_on_demand() {
        let _ = run(r#"{"panic": true}"#);
    }
}
