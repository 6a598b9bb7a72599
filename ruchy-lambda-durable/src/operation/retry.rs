//! When a failed step (or a failed submitter) is tried again: [`RetryStrategy`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::model::ErrorObject;

/// How a delay is spread, so that many executions failing at once do not retry at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    /// The delay as computed.
    None,
    /// A random delay between 0 and the computed one.
    #[default]
    Full,
    /// A random delay between half the computed one and all of it.
    Half,
}

impl Jitter {
    /// The delay in whole seconds, at least 1 (the smallest delay Lambda schedules).
    fn finalize(self, base: f64) -> u64 {
        let delay = match self {
            Jitter::None => base,
            Jitter::Full => random_unit() * base,
            Jitter::Half => base / 2.0 + random_unit() * base / 2.0,
        };
        (delay.ceil() as u64).max(1)
    }
}

/// A number in [0, 1) from the standard library's randomly seeded hasher.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

type Decide = dyn Fn(&ErrorObject, u32) -> Option<Duration> + Send + Sync;

/// Whether and when a failed attempt is tried again: given the error and the number of
/// attempts made so far (1 after the first), a delay, or `None` to give up.
///
/// The default is AWS's SDKs' default: 6 attempts, 5 s doubling up to 1 minute, full jitter.
#[derive(Clone)]
pub struct RetryStrategy {
    decide: Arc<Decide>,
}

impl fmt::Debug for RetryStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RetryStrategy")
    }
}

impl Default for RetryStrategy {
    fn default() -> Self {
        Exponential {
            max_attempts: 6,
            initial_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(60),
            backoff_rate: 2.0,
            jitter: Jitter::Full,
            retryable: Vec::new(),
            retryable_types: Vec::new(),
        }
        .into()
    }
}

impl RetryStrategy {
    /// One attempt, no retry.
    pub fn none() -> Self {
        Self::custom(|_, _| None)
    }

    /// Exponential backoff, from AWS's SDKs' `RetryStrategyConfig` defaults: 3 attempts, 5 s,
    /// doubling, at most 5 minutes, full jitter. Refine it and convert it with `.into()` (or
    /// pass it where a `RetryStrategy` is taken).
    pub fn exponential() -> Exponential {
        Exponential {
            max_attempts: 3,
            initial_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(300),
            backoff_rate: 2.0,
            jitter: Jitter::Full,
            retryable: Vec::new(),
            retryable_types: Vec::new(),
        }
    }

    /// A strategy of your own: `decide(error, attempts_made)` gives the delay before the next
    /// attempt, or `None` to give up.
    pub fn custom(
        decide: impl Fn(&ErrorObject, u32) -> Option<Duration> + Send + Sync + 'static,
    ) -> Self {
        RetryStrategy {
            decide: Arc::new(decide),
        }
    }

    /// The delay before the next attempt, in whole seconds (at least 1), or `None`.
    pub(crate) fn next_delay(&self, error: &ErrorObject, attempts_made: u32) -> Option<u64> {
        (self.decide)(error, attempts_made).map(|d| {
            let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            secs.max(1)
        })
    }
}

/// Exponential backoff: the `n`th retry waits `initial_delay × backoff_rate^(n−1)`, at most
/// `max_delay`, spread by `jitter`.
#[derive(Debug, Clone)]
pub struct Exponential {
    max_attempts: u32,
    initial_delay: Duration,
    max_delay: Duration,
    backoff_rate: f64,
    jitter: Jitter,
    retryable: Vec<String>,
    retryable_types: Vec<String>,
}

impl Exponential {
    /// The most attempts, the first included.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// The delay before the first retry.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The longest delay.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// What each delay is multiplied by.
    pub fn backoff_rate(mut self, rate: f64) -> Self {
        self.backoff_rate = rate;
        self
    }

    /// How delays are spread.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Retries only errors whose message contains `text` (or whose type is one given to
    /// [`retryable_type`](Self::retryable_type)); without either, every error is retried.
    pub fn retryable_message(mut self, text: impl Into<String>) -> Self {
        self.retryable.push(text.into());
        self
    }

    /// Retries errors of type `error_type` (their `ErrorType`).
    pub fn retryable_type(mut self, error_type: impl Into<String>) -> Self {
        self.retryable_types.push(error_type.into());
        self
    }
}

impl From<Exponential> for RetryStrategy {
    fn from(config: Exponential) -> Self {
        RetryStrategy::custom(move |error, attempts_made| {
            if attempts_made >= config.max_attempts {
                return None;
            }
            let any_filter = !config.retryable.is_empty() || !config.retryable_types.is_empty();
            if any_filter {
                let message = error.error_message.as_deref().unwrap_or("");
                let by_message = config
                    .retryable
                    .iter()
                    .any(|t| message.contains(t.as_str()));
                let by_type = error
                    .error_type
                    .as_deref()
                    .is_some_and(|t| config.retryable_types.iter().any(|r| r == t));
                if !by_message && !by_type {
                    return None;
                }
            }
            let exponent = attempts_made.saturating_sub(1).min(64) as i32;
            let base = (config.initial_delay.as_secs_f64() * config.backoff_rate.powi(exponent))
                .min(config.max_delay.as_secs_f64());
            Some(Duration::from_secs(config.jitter.finalize(base)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_backoff_doubles_up_to_its_cap_and_gives_up() {
        let strategy: RetryStrategy = RetryStrategy::exponential()
            .max_attempts(5)
            .initial_delay(Duration::from_secs(2))
            .max_delay(Duration::from_secs(5))
            .jitter(Jitter::None)
            .into();
        let error = ErrorObject::new("E", "boom");
        assert_eq!(strategy.next_delay(&error, 1), Some(2));
        assert_eq!(strategy.next_delay(&error, 2), Some(4));
        assert_eq!(strategy.next_delay(&error, 3), Some(5));
        assert_eq!(strategy.next_delay(&error, 4), Some(5));
        assert_eq!(strategy.next_delay(&error, 5), None);
        assert_eq!(RetryStrategy::none().next_delay(&error, 1), None);
    }

    #[test]
    fn filters_choose_what_is_retried() {
        let strategy: RetryStrategy = RetryStrategy::exponential()
            .retryable_message("timeout")
            .retryable_type("Throttled")
            .jitter(Jitter::Full)
            .into();
        assert!(
            strategy
                .next_delay(&ErrorObject::new("E", "a timeout"), 1)
                .is_some()
        );
        assert!(
            strategy
                .next_delay(&ErrorObject::new("Throttled", "x"), 1)
                .is_some()
        );
        assert!(
            strategy
                .next_delay(&ErrorObject::new("E", "bad input"), 1)
                .is_none()
        );
        let delay = strategy
            .next_delay(&ErrorObject::new("E", "timeout"), 1)
            .unwrap();
        assert!((1..=5).contains(&delay), "{delay}");
    }
}
