//! Lambda's execution environment metadata endpoint (2026): the availability zone the function
//! runs in.
//!
//! `GET http://$AWS_LAMBDA_METADATA_API/2026-01-15/metadata/execution-environment` with
//! `Authorization: Bearer $AWS_LAMBDA_METADATA_TOKEN` answers
//! `{"AvailabilityZoneID":"use1-az1"}`. The answer is kept for as long as its `Cache-Control`
//! `max-age` says (12 hours; 1 second before a SnapStart snapshot, which may be restored
//! elsewhere). The local Lambda (`ruchy-lambda-local`) serves it too.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use ruchy_lambda_runtime_core::http::HttpClient;

use crate::error::{Error, ErrorKind};

const PATH: &str = "/2026-01-15/metadata/execution-environment";

/// What the metadata endpoint says about the execution environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[non_exhaustive]
pub struct ExecutionEnvironment {
    /// The availability zone's id (`use1-az1`: the same physical zone in every account, unlike
    /// a zone name such as `us-east-1a`).
    #[serde(rename = "AvailabilityZoneID")]
    pub availability_zone_id: String,
}

/// The execution environment's metadata, from the endpoint or from the cached answer.
pub fn execution_environment() -> Result<ExecutionEnvironment, Error> {
    static CACHE: Mutex<Option<(ExecutionEnvironment, Instant)>> = Mutex::new(None);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((env, until)) = &*cache
        && Instant::now() < *until
    {
        return Ok(env.clone());
    }
    let (env, max_age) = fetch()?;
    *cache = Some((env.clone(), Instant::now() + max_age));
    Ok(env)
}

/// The availability zone id of the execution environment (`use1-az1`).
pub fn availability_zone_id() -> Result<String, Error> {
    execution_environment().map(|e| e.availability_zone_id)
}

fn fetch() -> Result<(ExecutionEnvironment, Duration), Error> {
    let var = |name: &str| {
        std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                format!("{name} is not set: the metadata endpoint is only there on Lambda (or the local Lambda)"),
            )
        })
    };
    let addr = var("AWS_LAMBDA_METADATA_API")?;
    let token = var("AWS_LAMBDA_METADATA_TOKEN")?;
    let bearer = format!("Bearer {token}");
    let mut client = HttpClient::new(addr.clone());
    let resp = client
        .request("GET", PATH, &[("Authorization", &bearer)], b"")
        .map_err(|e| Error::transport(format!("GET http://{addr}{PATH}"), e))?;
    if resp.status != 200 {
        return Err(Error::service(
            resp.status,
            None,
            format!(
                "the metadata endpoint answered HTTP {}: {}",
                resp.status,
                String::from_utf8_lossy(&resp.body[..resp.body.len().min(200)]).trim()
            ),
            None,
        ));
    }
    let env: ExecutionEnvironment = serde_json::from_slice(resp.body).map_err(|e| {
        Error::new(
            ErrorKind::Response,
            format!("the metadata endpoint's answer: {e}"),
        )
    })?;
    Ok((env, max_age(resp.header("cache-control"))))
}

/// `max-age` of a `Cache-Control` value; 0 (no caching) when there is none.
fn max_age(cache_control: Option<&str>) -> Duration {
    cache_control
        .into_iter()
        .flat_map(|v| v.split(','))
        .find_map(|d| d.trim().strip_prefix("max-age=")?.trim().parse().ok())
        .map_or(Duration::ZERO, Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_from_cache_control() {
        assert_eq!(
            max_age(Some("private, max-age=43200, immutable")),
            Duration::from_secs(43200)
        );
        assert_eq!(max_age(Some("max-age=1")), Duration::from_secs(1));
        assert_eq!(max_age(Some("no-store")), Duration::ZERO);
        assert_eq!(max_age(None), Duration::ZERO);
    }
}
