//! AWS's standard retry mode: which errors are retried, how long to wait, and the retry quota.
//!
//! As the SDKs do it (the AWS SDKs and Tools reference guide, "Retry behavior"): at most
//! `max_attempts` attempts (3 by default, `AWS_MAX_ATTEMPTS`); throttling errors, 5xx statuses
//! and transient connection failures are retried after `random(0..1) × base × 2^(retry − 1)`,
//! capped at 20 s (`base` is 1 s); a quota of 500 tokens shared by every call of a client pays
//! 5 tokens a retry (10 after a connection failure) and gets them back on success, so a
//! failing service is not hammered by every worker at once.

use std::sync::Mutex;
use std::time::Duration;

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(20);
const QUOTA: u32 = 500;
const RETRY_COST: u32 = 5;
const TIMEOUT_RETRY_COST: u32 = 10;

/// Error codes AWS's SDKs treat as throttling.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes AWS's SDKs treat as transient.
const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "IDPCommunicationError",
];

/// Whether an answer is throttling: a throttling code, or HTTP 429.
pub(crate) fn is_throttling(status: Option<u16>, code: Option<&str>) -> bool {
    status == Some(429) || code.is_some_and(|c| THROTTLING_CODES.contains(&c))
}

/// Whether the standard mode retries an answer with this status and code.
pub(crate) fn is_retryable_answer(status: u16, code: Option<&str>) -> bool {
    is_throttling(Some(status), code)
        || code.is_some_and(|c| TRANSIENT_CODES.contains(&c))
        || matches!(status, 500 | 502 | 503 | 504)
}

/// How a client retries.
#[derive(Debug, Clone, Copy)]
pub struct RetryConfig {
    /// Attempts per call, the first included (1 = no retries).
    pub max_attempts: u32,
    /// The scale of the jittered exponential backoff (1 s in the standard mode).
    pub base: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            base: Duration::from_secs(1),
        }
    }
}

/// The retry quota of one client, and the jitter's random source.
#[derive(Debug)]
pub(crate) struct Retries {
    pub(crate) config: RetryConfig,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: u32,
    rng: u64,
}

impl Retries {
    pub(crate) fn new(config: RetryConfig) -> Self {
        Retries {
            config,
            state: Mutex::new(State {
                tokens: QUOTA,
                rng: seed(),
            }),
        }
    }

    /// Whether attempt `attempt` (1-based) that failed with `error` may be retried, and after how
    /// long. Takes the retry's cost from the quota.
    pub(crate) fn retry_after(&self, attempt: u32, error: &crate::Error) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.config.max_attempts {
            return None;
        }
        let cost = if error.kind() == crate::ErrorKind::Transport {
            TIMEOUT_RETRY_COST
        } else {
            RETRY_COST
        };
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.tokens < cost {
            return None;
        }
        state.tokens -= cost;
        let ceiling = self
            .config
            .base
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(MAX_BACKOFF);
        let fraction = next(&mut state.rng);
        Some(ceiling.mul_f64(fraction))
    }

    /// A call succeeded after `attempts` attempts: its retries' cost goes back to the quota
    /// (the SDKs give back what the last retry cost, or 1 token for a first-attempt success).
    pub(crate) fn succeeded(&self, attempts: u32) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let refund = if attempts > 1 { RETRY_COST } else { 1 };
        state.tokens = (state.tokens + refund).min(QUOTA);
    }
}

/// A seed from the standard library's per-process random hash keys and the clock.
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(now.as_nanos());
    }
    h.finish() | 1
}

/// xorshift64*: a uniform fraction in [0, 1).
fn next(state: &mut u64) -> f64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, ErrorKind};

    fn throttled() -> Error {
        Error::service(
            400,
            Some("ThrottlingException".into()),
            "slow down".into(),
            None,
        )
    }

    #[test]
    fn classifies_answers_as_the_standard_mode_does() {
        assert!(is_retryable_answer(429, None));
        assert!(is_retryable_answer(
            400,
            Some("ProvisionedThroughputExceededException")
        ));
        assert!(is_retryable_answer(503, Some("SlowDown")));
        assert!(is_retryable_answer(500, Some("InternalServerError")));
        assert!(is_retryable_answer(400, Some("RequestTimeout")));
        assert!(!is_retryable_answer(400, Some("ValidationException")));
        assert!(!is_retryable_answer(404, Some("ResourceNotFoundException")));
        assert!(!is_retryable_answer(501, None));
    }

    #[test]
    fn backoff_is_jittered_below_a_doubling_ceiling_and_attempts_are_bounded() {
        let retries = Retries::new(RetryConfig {
            max_attempts: 4,
            base: Duration::from_millis(100),
        });
        for attempt in 1..4 {
            let wait = retries.retry_after(attempt, &throttled()).expect("retried");
            assert!(
                wait < Duration::from_millis(100) * (1 << (attempt - 1)),
                "{wait:?}"
            );
        }
        assert_eq!(retries.retry_after(4, &throttled()), None);
        let not_retryable = Error::new(ErrorKind::Config, "no region");
        assert_eq!(retries.retry_after(1, &not_retryable), None);
    }

    #[test]
    fn the_quota_runs_out_and_comes_back() {
        let retries = Retries::new(RetryConfig {
            max_attempts: 2,
            base: Duration::ZERO,
        });
        for _ in 0..QUOTA / RETRY_COST {
            assert!(retries.retry_after(1, &throttled()).is_some());
        }
        assert_eq!(retries.retry_after(1, &throttled()), None);
        retries.succeeded(2);
        assert!(retries.retry_after(1, &throttled()).is_some());
    }

    #[test]
    fn the_jitter_spreads_over_the_whole_interval() {
        let mut rng = seed();
        let draws: Vec<f64> = (0..1000).map(|_| next(&mut rng)).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        assert!(draws.iter().any(|&d| d < 0.1) && draws.iter().any(|&d| d > 0.9));
    }
}
