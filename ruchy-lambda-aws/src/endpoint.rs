//! Services, regions and endpoints, resolved as the AWS SDKs resolve them.
//!
//! An endpoint comes from, in order: the client's own [`endpoint_url`](crate::Builder::endpoint_url),
//! `AWS_ENDPOINT_URL_<SERVICE>` (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_S3`,
//! `AWS_ENDPOINT_URL_LAMBDA`…), `AWS_ENDPOINT_URL`, and AWS's own
//! `https://{service}.{region}.amazonaws.com` (`.amazonaws.com.cn` in China's regions). The two
//! environment variables are ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`, as
//! in the SDKs. FIPS and dual-stack endpoints are not chosen by this client: name them with an
//! endpoint URL.

use crate::error::{Error, ErrorKind};

/// An AWS service this client can call: how its endpoint is named and how it signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// The SDKs' service id as it appears in `AWS_ENDPOINT_URL_<ID>` (`DYNAMODB`,
    /// `SECRETS_MANAGER`).
    pub env_id: &'static str,
    /// The first label of AWS's endpoint host (`dynamodb`, `states`, `secretsmanager`).
    pub endpoint_prefix: &'static str,
    /// The SigV4 signing name (`dynamodb`, `states`, `lambda`).
    pub signing_name: &'static str,
}

impl Service {
    /// Amazon DynamoDB.
    pub const DYNAMODB: Service = Service::new("DYNAMODB", "dynamodb", "dynamodb");
    /// Amazon S3.
    pub const S3: Service = Service::new("S3", "s3", "s3");
    /// AWS Lambda.
    pub const LAMBDA: Service = Service::new("LAMBDA", "lambda", "lambda");
    /// Amazon SQS.
    pub const SQS: Service = Service::new("SQS", "sqs", "sqs");
    /// Amazon Kinesis Data Streams.
    pub const KINESIS: Service = Service::new("KINESIS", "kinesis", "kinesis");
    /// AWS Step Functions.
    pub const SFN: Service = Service::new("SFN", "states", "states");
    /// Amazon EventBridge.
    pub const EVENTBRIDGE: Service = Service::new("EVENTBRIDGE", "events", "events");
    /// AWS Secrets Manager.
    pub const SECRETS_MANAGER: Service =
        Service::new("SECRETS_MANAGER", "secretsmanager", "secretsmanager");
    /// AWS Systems Manager (Parameter Store).
    pub const SSM: Service = Service::new("SSM", "ssm", "ssm");
    /// AWS KMS.
    pub const KMS: Service = Service::new("KMS", "kms", "kms");
    /// Amazon CloudWatch Logs.
    pub const CLOUDWATCH_LOGS: Service = Service::new("CLOUDWATCH_LOGS", "logs", "logs");
    /// Amazon SNS.
    pub const SNS: Service = Service::new("SNS", "sns", "sns");

    /// A service by its parts, for one this crate does not name.
    pub const fn new(
        env_id: &'static str,
        endpoint_prefix: &'static str,
        signing_name: &'static str,
    ) -> Self {
        Service {
            env_id,
            endpoint_prefix,
            signing_name,
        }
    }
}

/// Where requests for a service go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) https: bool,
    /// The host, without brackets for IPv6.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// A path the endpoint URL had, without its last `/` (`""` for none).
    pub(crate) base_path: String,
    /// Whether the endpoint was configured rather than AWS's own.
    pub(crate) custom: bool,
}

impl Endpoint {
    /// Parses `http[s]://host[:port][/path]`.
    pub(crate) fn parse(url: &str) -> Result<Endpoint, Error> {
        let bad = |why: &str| Error::new(ErrorKind::Config, format!("endpoint URL {url:?}: {why}"));
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("must start with http:// or https://"));
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) if rest[i..].starts_with('/') => (&rest[..i], &rest[i..]),
            Some(_) => return Err(bad("has a query or fragment")),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(bad("has user information"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let end = v6.find(']').ok_or_else(|| bad("unclosed ["))?;
            (&v6[..end], v6[end + 1..].strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        let port = match port {
            Some(p) => p.parse().map_err(|_| bad("has an invalid port"))?,
            None if https => 443,
            None => 80,
        };
        Ok(Endpoint {
            https,
            host: host.to_ascii_lowercase(),
            port,
            base_path: path.trim_end_matches('/').to_owned(),
            custom: true,
        })
    }

    /// AWS's own endpoint of `prefix` in `region`.
    pub(crate) fn aws(prefix: &str, region: &str) -> Endpoint {
        Endpoint {
            https: true,
            host: format!("{prefix}.{region}.{}", dns_suffix(region)),
            port: 443,
            base_path: String::new(),
            custom: false,
        }
    }

    /// Whether the host is an IP address (S3 then addresses buckets by path).
    pub(crate) fn is_ip(&self) -> bool {
        self.host.parse::<std::net::IpAddr>().is_ok()
    }

    /// `host:port`, what is connected to.
    pub(crate) fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The `Host` header: the port only when it is not the scheme's default.
    pub(crate) fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == if self.https { 443 } else { 80 } {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// What pools connections: scheme, host and port.
    pub(crate) fn key(&self) -> String {
        format!(
            "{}://{}",
            if self.https { "https" } else { "http" },
            self.addr()
        )
    }

    /// The URL of `path_and_query` (which starts with `/`) on this endpoint, for signing.
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!(
            "{}://{}{}",
            if self.https { "https" } else { "http" },
            self.authority(),
            path_and_query
        )
    }

    /// This endpoint with `label.` before its host (S3's virtual-hosted buckets).
    pub(crate) fn with_host_label(&self, label: &str) -> Endpoint {
        Endpoint {
            host: format!("{label}.{}", self.host),
            ..self.clone()
        }
    }
}

/// A service's endpoint as a client resolved it when the service's handle was made; a
/// configuration error (a malformed `AWS_ENDPOINT_URL_…`) is the error of each call.
#[derive(Debug, Clone)]
pub(crate) struct Resolved(pub(crate) Result<Endpoint, String>);

impl Resolved {
    pub(crate) fn get(&self) -> Result<&Endpoint, Error> {
        self.0
            .as_ref()
            .map_err(|m| Error::new(ErrorKind::Config, m.clone()))
    }
}

/// `amazonaws.com`, or `amazonaws.com.cn` in China's regions.
fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// The endpoint the environment configures for `service`, if any.
pub(crate) fn from_env(service: &Service) -> Result<Option<Endpoint>, Error> {
    from_vars(service, |name| std::env::var(name).ok())
}

pub(crate) fn from_vars(
    service: &Service,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<Endpoint>, Error> {
    if var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Ok(None);
    }
    let specific = format!("AWS_ENDPOINT_URL_{}", service.env_id);
    for name in [specific.as_str(), "AWS_ENDPOINT_URL"] {
        if let Some(url) = var(name).filter(|v| !v.trim().is_empty()) {
            return Endpoint::parse(url.trim())
                .map(Some)
                .map_err(|e| Error::new(ErrorKind::Config, format!("{name}: {}", e.message())));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_endpoint_urls() {
        let e = Endpoint::parse("http://127.0.0.1:5000").unwrap();
        assert_eq!(
            (e.https, e.host.as_str(), e.port),
            (false, "127.0.0.1", 5000)
        );
        assert!(e.is_ip());
        assert_eq!(e.authority(), "127.0.0.1:5000");
        let e = Endpoint::parse("https://LocalHost/base/").unwrap();
        assert_eq!((e.port, e.base_path.as_str()), (443, "/base"));
        assert_eq!(e.authority(), "localhost");
        assert_eq!(e.addr(), "localhost:443");
        let e = Endpoint::parse("http://[::1]:8000").unwrap();
        assert_eq!(
            (e.host.as_str(), e.addr(), e.authority()),
            ("::1", "[::1]:8000".into(), "[::1]:8000".into())
        );
        assert!(e.is_ip());
        for bad in [
            "ftp://x",
            "http://",
            "http://h:port",
            "http://h?x=1",
            "http://u@h",
            "localhost:5000",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aws_endpoints_by_region() {
        assert_eq!(
            Endpoint::aws("dynamodb", "eu-west-1").host,
            "dynamodb.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            Endpoint::aws("s3", "cn-north-1").host,
            "s3.cn-north-1.amazonaws.com.cn"
        );
    }

    #[test]
    fn the_service_specific_variable_wins_and_can_be_ignored() {
        let vars = |ignore: bool| {
            move |name: &str| match name {
                "AWS_ENDPOINT_URL_DYNAMODB" => Some("http://127.0.0.1:1".to_owned()),
                "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:2".to_owned()),
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" if ignore => Some("TRUE".to_owned()),
                _ => None,
            }
        };
        let ddb = from_vars(&Service::DYNAMODB, vars(false)).unwrap().unwrap();
        assert_eq!(ddb.port, 1);
        let s3 = from_vars(&Service::S3, vars(false)).unwrap().unwrap();
        assert_eq!(s3.port, 2);
        assert_eq!(from_vars(&Service::S3, vars(true)).unwrap(), None);
        let bad = from_vars(&Service::S3, |n: &str| {
            (n == "AWS_ENDPOINT_URL_S3").then(|| "nope".to_owned())
        });
        assert!(
            bad.unwrap_err()
                .message()
                .starts_with("AWS_ENDPOINT_URL_S3: ")
        );
    }
}
