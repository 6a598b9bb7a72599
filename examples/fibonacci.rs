//! A typed handler: computes the `n`-th Fibonacci number, iteratively.
//!
//! Send `{"n": 35}` (or `{}`: `n` defaults to 35); the reply is `{"n":35,"fibonacci":9227465}`.
//! An `n` whose Fibonacci number does not fit in a `u64` (above 93) is reported as an error
//! with `errorType` `FibonacciOverflow`.

use std::fmt;

#[derive(serde::Deserialize)]
struct Request {
    #[serde(default = "default_n")]
    n: u32,
}

fn default_n() -> u32 {
    35
}

#[derive(serde::Serialize, Debug, PartialEq)]
struct Reply {
    n: u32,
    fibonacci: u64,
}

/// `n` is too large for its Fibonacci number to fit in a `u64`.
#[derive(Debug, PartialEq)]
struct FibonacciOverflow {
    n: u32,
}

impl fmt::Display for FibonacciOverflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fibonacci({}) does not fit in a u64: n must be at most 93",
            self.n
        )
    }
}

/// F(0) = 0, F(1) = 1, F(n) = F(n-1) + F(n-2); `None` when F(n) does not fit in a `u64`.
fn fibonacci(n: u32) -> Option<u64> {
    if n == 0 {
        return Some(0);
    }
    // (F(k-1), F(k)), from k = 1 up to k = n.
    let (mut previous, mut current) = (0u64, 1u64);
    for _ in 1..n {
        (previous, current) = (current, previous.checked_add(current)?);
    }
    Some(current)
}

#[ruchy_lambda::handler]
fn handle(request: Request) -> Result<Reply, FibonacciOverflow> {
    let n = request.n;
    match fibonacci(n) {
        Some(fibonacci) => Ok(Reply { n, fibonacci }),
        None => Err(FibonacciOverflow { n }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values() {
        let values: Vec<u64> = (0..10).map(|n| fibonacci(n).unwrap()).collect();
        assert_eq!(values, [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]);
    }

    #[test]
    fn the_default_request() {
        let request: Request = serde_json::from_str("{}").unwrap();
        let reply = handle(request).unwrap();
        assert_eq!(
            serde_json::to_string(&reply).unwrap(),
            r#"{"n":35,"fibonacci":9227465}"#
        );
    }

    #[test]
    fn the_largest_that_fits_and_the_first_that_does_not() {
        assert_eq!(fibonacci(93), Some(12_200_160_415_121_876_738));
        assert_eq!(fibonacci(94), None);
        assert_eq!(handle(Request { n: 94 }), Err(FibonacciOverflow { n: 94 }));
        assert_eq!(fibonacci(u32::MAX), None);
    }
}
