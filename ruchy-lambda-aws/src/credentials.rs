//! Credentials as Lambda gives them: the environment's keys, or the container credentials
//! endpoint.
//!
//! In order (the SDKs' order, for the sources a Lambda function has):
//! 1. `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`: what Lambda sets for
//!    the execution role.
//! 2. The container credentials endpoint: `AWS_CONTAINER_CREDENTIALS_FULL_URI` (or
//!    `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on `169.254.170.2`), with the token of
//!    `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read again at every fetch) or
//!    `AWS_CONTAINER_AUTHORIZATION_TOKEN`: what SnapStart and long-lived environments use. Its
//!    credentials are cached and fetched again five minutes before their `Expiration`; when that
//!    fetch fails, the cached ones are used while they last. Plain `http` is accepted only for
//!    loopback and the container hosts (`169.254.170.2`, `169.254.170.23`, `fd00:ec2::23`), as
//!    in the SDKs.
//!
//! Profiles, SSO, web identity and the instance metadata service are not read: a Lambda function
//! has none of them.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_smithy_runtime_api::client::identity::Identity;

use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind};
use crate::transport::Pool;

/// How long before their expiration cached credentials are fetched again.
const REFRESH_BEFORE: Duration = Duration::from_secs(300);

/// An access key, its secret and (for temporary credentials) the session token.
#[derive(Clone)]
pub struct Credentials {
    /// The access key id (`AKIA…`, `ASIA…`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
    /// When temporary credentials expire.
    pub expiration: Option<SystemTime>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

impl Credentials {
    /// Long-term credentials (no session token, no expiration).
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
            expiration: None,
        }
    }

    fn identity(&self) -> Identity {
        aws_credential_types::Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key.clone(),
            self.session_token.clone(),
            self.expiration,
            "ruchy-lambda-aws",
        )
        .into()
    }
}

/// Where a client's credentials come from.
#[derive(Debug)]
pub(crate) enum Provider {
    Fixed(Identity),
    Container(Container),
}

impl Provider {
    pub(crate) fn fixed(credentials: &Credentials) -> Self {
        Provider::Fixed(credentials.identity())
    }

    /// The first source the environment configures.
    pub(crate) fn from_env() -> Result<Provider, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let (Some(id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            return Ok(Provider::fixed(&Credentials {
                session_token: var("AWS_SESSION_TOKEN"),
                ..Credentials::new(id, secret)
            }));
        }
        let url = match (
            var("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
            var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
        ) {
            (Some(full), _) => full,
            (None, Some(relative)) => format!("http://169.254.170.2{relative}"),
            (None, None) => {
                return Err(Error::new(
                    ErrorKind::Credentials,
                    "no credentials: neither AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY nor \
                     AWS_CONTAINER_CREDENTIALS_FULL_URI is set",
                ));
            }
        };
        let token = match (
            var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
            var("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
        ) {
            (Some(file), _) => Token::File(file.into()),
            (None, Some(token)) => Token::Value(token),
            (None, None) => Token::None,
        };
        Container::new(&url, token).map(Provider::Container)
    }

    /// Credentials to sign with now.
    pub(crate) fn identity(&self, pool: &Pool) -> Result<Identity, Error> {
        match self {
            Provider::Fixed(identity) => Ok(identity.clone()),
            Provider::Container(container) => container.identity(pool),
        }
    }
}

/// The container credentials endpoint, and what it last gave.
#[derive(Debug)]
pub(crate) struct Container {
    endpoint: Endpoint,
    path: String,
    token: Token,
    cached: Mutex<Option<(Identity, Option<SystemTime>)>>,
}

#[derive(Debug)]
enum Token {
    None,
    Value(String),
    File(std::path::PathBuf),
}

impl Container {
    fn new(url: &str, token: Token) -> Result<Container, Error> {
        let config = |why: String| {
            Error::new(
                ErrorKind::Credentials,
                format!("container credentials URI {url:?}: {why}"),
            )
        };
        let (base, path) = split_url(url);
        let endpoint = Endpoint::parse(base).map_err(|e| config(e.message().to_owned()))?;
        if !endpoint.https && !is_allowed_http_host(&endpoint.host) {
            return Err(config(
                "plain http is allowed only for loopback and the container hosts".into(),
            ));
        }
        Ok(Container {
            endpoint,
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            token,
            cached: Mutex::new(None),
        })
    }

    fn identity(&self, pool: &Pool) -> Result<Identity, Error> {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        let now = SystemTime::now();
        if let Some((identity, expiration)) = &*cached
            && expiration.is_none_or(|at| now + REFRESH_BEFORE < at)
        {
            return Ok(identity.clone());
        }
        match self.fetch(pool) {
            Ok(credentials) => {
                let identity = credentials.identity();
                *cached = Some((identity.clone(), credentials.expiration));
                Ok(identity)
            }
            // Still valid: use them while they last.
            Err(_) if matches!(&*cached, Some((_, Some(at))) if now < *at) => Ok(cached
                .as_ref()
                .map(|(i, _)| i.clone())
                .unwrap_or_else(|| unreachable!())),
            Err(e) => Err(e),
        }
    }

    fn fetch(&self, pool: &Pool) -> Result<Credentials, Error> {
        let failed = |why: String| {
            Error::new(
                ErrorKind::Credentials,
                format!(
                    "container credentials from {}{}: {why}",
                    self.endpoint.authority(),
                    self.path
                ),
            )
        };
        let token = match &self.token {
            Token::None => None,
            Token::Value(v) => Some(v.clone()),
            Token::File(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| failed(format!("reading the token file {}: {e}", path.display())))?
                    .trim_end()
                    .to_owned(),
            ),
        };
        if token.as_deref().is_some_and(|t| t.contains(['\r', '\n'])) {
            return Err(failed("the authorization token has a line break".into()));
        }
        let headers: Vec<(&str, &str)> = token
            .as_deref()
            .map(|t| ("Authorization", t))
            .into_iter()
            .chain([("Accept", "application/json")])
            .collect();
        let mut last = None;
        // Two attempts: a kept connection the endpoint closed is reopened by the HTTP client
        // itself; this covers an endpoint that is briefly unavailable.
        for _ in 0..2 {
            let mut conn = pool.take(&self.endpoint)?;
            let answer = match conn.request("GET", &self.path, &headers, b"") {
                Ok(resp) if resp.status == 200 => Ok(parse_credentials(resp.body)),
                Ok(resp) => Err((
                    resp.status >= 500,
                    format!(
                        "HTTP {}: {}",
                        resp.status,
                        String::from_utf8_lossy(&resp.body[..resp.body.len().min(200)])
                    ),
                )),
                Err(e) => Err((true, e.to_string())),
            };
            pool.put(&self.endpoint, conn);
            match answer {
                Ok(parsed) => return parsed.map_err(failed),
                Err((retry, why)) => {
                    last = Some(why);
                    if !retry {
                        break;
                    }
                }
            }
        }
        Err(failed(last.unwrap_or_default()))
    }
}

/// `http://host:port/path` → (`http://host:port`, `/path`).
fn split_url(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

fn is_allowed_http_host(host: &str) -> bool {
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_loopback() => true,
        Ok(ip) => ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"]
            .iter()
            .any(|h| h.parse::<std::net::IpAddr>().ok() == Some(ip)),
        Err(_) => host == "localhost",
    }
}

fn parse_credentials(body: &[u8]) -> Result<Credentials, String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Answer {
        access_key_id: String,
        secret_access_key: String,
        token: Option<String>,
        expiration: Option<String>,
    }
    let answer: Answer =
        serde_json::from_slice(body).map_err(|e| format!("unexpected answer: {e}"))?;
    let expiration = match answer.expiration {
        Some(text) => Some(
            crate::time::parse_rfc3339(&text)
                .ok_or_else(|| format!("Expiration {text:?} is not an RFC 3339 time"))?,
        ),
        None => None,
    };
    Ok(Credentials {
        access_key_id: answer.access_key_id,
        secret_access_key: answer.secret_access_key,
        session_token: answer.token,
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_uris_are_checked_as_the_sdks_do() {
        assert!(Container::new("http://127.0.0.1:9000/creds", Token::None).is_ok());
        assert!(Container::new("http://169.254.170.2/v2/creds/x", Token::None).is_ok());
        assert!(Container::new("https://creds.example.com/x", Token::None).is_ok());
        let e = Container::new("http://creds.example.com/x", Token::None).unwrap_err();
        assert!(e.message().contains("plain http"), "{e}");
        assert_eq!(split_url("http://h:1/a/b"), ("http://h:1", "/a/b"));
        assert_eq!(split_url("http://h:1"), ("http://h:1", ""));
    }

    #[test]
    fn parses_the_endpoints_answer() {
        let c = parse_credentials(
            br#"{"AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t","Expiration":"2026-12-06T21:30:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.session_token.as_deref()),
            ("ASIA1", Some("t"))
        );
        assert_eq!(
            c.expiration
                .unwrap()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            1_796_592_600
        );
        assert!(parse_credentials(br#"{"AccessKeyId":"A"}"#).is_err());
        let bad = parse_credentials(
            br#"{"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"tomorrow"}"#,
        );
        assert!(bad.unwrap_err().contains("tomorrow"));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let c = Credentials {
            session_token: Some("token-value".into()),
            ..Credentials::new("AKID", "secret-value")
        };
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("secret-value") && !shown.contains("token-value"),
            "{shown}"
        );
    }
}
