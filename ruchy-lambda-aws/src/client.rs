//! The client: configuration, signing, and one call's attempts.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use ruchy_lambda_runtime_core::http::Response;

use crate::credentials::{Credentials, Provider};
use crate::endpoint::{self, Endpoint, Service};
use crate::error::{Error, ErrorKind};
use crate::retry::{Retries, RetryConfig};
use crate::transport::Pool;

/// A blocking AWS client: credentials, region, endpoints and the kept-alive connections of
/// every service it calls.
///
/// Cheap to clone (an `Arc`), and `Send + Sync`: make one in `init` and share it between the
/// workers of a Managed Instance. Nothing touches the network until the first call, or until
/// [`connect_now`](Self::connect_now) asks for it.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) region: String,
    credentials: Provider,
    pub(crate) pool: Pool,
    retries: Retries,
    endpoint_url: Option<Endpoint>,
    pub(crate) force_path_style: bool,
}

/// Configures a [`Client`]; what is not set comes from the environment.
#[derive(Debug, Default, Clone)]
pub struct Builder {
    region: Option<String>,
    credentials: Option<Credentials>,
    endpoint_url: Option<String>,
    retry: Option<RetryConfig>,
    force_path_style: bool,
    connect_timeout: Option<Duration>,
}

impl Builder {
    /// The region (else `AWS_REGION`, then `AWS_DEFAULT_REGION`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Fixed credentials (else the environment's, see the crate's documentation).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// One endpoint for every service (else `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`,
    /// then AWS's own).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// How calls are retried (else AWS's standard mode: 3 attempts, or `AWS_MAX_ATTEMPTS`).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// S3 buckets in the path (`host/bucket/key`) rather than the host (`bucket.host/key`),
    /// like the SDKs' `force_path_style`. IP-address endpoints always use the path.
    pub fn force_path_style(mut self, yes: bool) -> Self {
        self.force_path_style = yes;
        self
    }

    /// How long opening a TCP connection may take (3.1 s by default, as in the SDKs).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The client. Fails when there is no region, no credentials, or a malformed endpoint URL;
    /// it does not connect.
    pub fn build(self) -> Result<Client, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let region = self
            .region
            .or_else(|| var("AWS_REGION"))
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .ok_or_else(|| Error::new(ErrorKind::Config, "no region: AWS_REGION is not set"))?;
        let credentials = match &self.credentials {
            Some(c) => Provider::fixed(c),
            None => Provider::from_env()?,
        };
        let retry = match self.retry {
            Some(retry) => retry,
            None => {
                let mut retry = RetryConfig::default();
                if let Some(n) = var("AWS_MAX_ATTEMPTS") {
                    retry.max_attempts =
                        n.trim().parse().ok().filter(|&n| n >= 1).ok_or_else(|| {
                            Error::new(
                                ErrorKind::Config,
                                format!("AWS_MAX_ATTEMPTS {n:?} is not a positive number"),
                            )
                        })?;
                }
                retry
            }
        };
        let endpoint_url = self
            .endpoint_url
            .as_deref()
            .map(Endpoint::parse)
            .transpose()?;
        Ok(Client {
            inner: Arc::new(Inner {
                region,
                credentials,
                pool: Pool::new(self.connect_timeout),
                retries: Retries::new(retry),
                endpoint_url,
                force_path_style: self.force_path_style,
            }),
        })
    }
}

/// One request, before signing.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    /// The encoded path (starting with `/`) after the endpoint's own path.
    pub(crate) path: String,
    /// The encoded query, without `?`.
    pub(crate) query: String,
    /// Headers to sign and send, names in lower case.
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: &'a [u8],
    /// S3's signing rules: the path encoded once, `x-amz-content-sha256`.
    pub(crate) s3: bool,
}

impl Client {
    /// A client configured from the environment, as Lambda sets it.
    pub fn from_env() -> Result<Client, Error> {
        Builder::default().build()
    }

    /// A builder, to set what the environment should not decide.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The region calls go to.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// Opens a connection to `service` now, TLS handshake included, and fetches credentials if
    /// they come from an endpoint: in `init`, where Lambda gives the function the whole CPU, so
    /// that the first invocation does not pay them. `connections` connections are opened (one
    /// per worker that will call at once; at least 1).
    pub fn connect_now(&self, service: &Service, connections: usize) -> Result<(), Error> {
        let endpoint = self.endpoint(service)?;
        self.connect_endpoint(&endpoint, connections)
    }

    pub(crate) fn connect_endpoint(
        &self,
        endpoint: &Endpoint,
        connections: usize,
    ) -> Result<(), Error> {
        self.inner.credentials.identity(&self.inner.pool)?;
        self.inner.pool.warm(endpoint, connections.max(1))
    }

    /// Where `service`'s requests go, for a service's handle.
    pub(crate) fn resolve(&self, service: &Service) -> crate::endpoint::Resolved {
        crate::endpoint::Resolved(self.endpoint(service).map_err(|e| e.message().to_owned()))
    }

    /// Where `service`'s requests go.
    pub(crate) fn endpoint(&self, service: &Service) -> Result<Endpoint, Error> {
        if let Some(e) = &self.inner.endpoint_url {
            return Ok(e.clone());
        }
        Ok(endpoint::from_env(service)?
            .unwrap_or_else(|| Endpoint::aws(service.endpoint_prefix, &self.inner.region)))
    }

    /// Sends `request` to `endpoint` until it succeeds or the standard retry mode gives up.
    /// `read` reads a 2xx answer; `error` makes the error of any other status.
    pub(crate) fn call<T>(
        &self,
        service: &Service,
        endpoint: &Endpoint,
        request: &Request<'_>,
        error: fn(&Response<'_>) -> Error,
        mut read: impl FnMut(&Response<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.with_retries(|| {
            let prepared = self.prepare(service, endpoint, request)?;
            let mut conn = self.inner.pool.take(endpoint)?;
            let outcome = match conn.request(
                request.method,
                &prepared.path_and_query,
                &prepared.headers(),
                request.body,
            ) {
                Ok(resp) if (200..300).contains(&resp.status) => read(&resp),
                Ok(resp) => Err(error(&resp)),
                Err(e) => Err(prepared.failed(request, endpoint, e)),
            };
            self.inner.pool.put(endpoint, conn);
            outcome
        })
    }

    /// Runs `attempt` until it succeeds or the retry mode gives up, sleeping between attempts.
    pub(crate) fn with_retries<T>(
        &self,
        mut attempt: impl FnMut() -> Result<T, Error>,
    ) -> Result<T, Error> {
        let retries = &self.inner.retries;
        let mut n = 1;
        loop {
            match attempt() {
                Ok(v) => {
                    retries.succeeded(n);
                    return Ok(v);
                }
                Err(e) => match retries.retry_after(n, &e) {
                    Some(wait) => {
                        std::thread::sleep(wait);
                        n += 1;
                    }
                    None => return Err(e),
                },
            }
        }
    }

    /// The signed headers and the path of `request`, for one attempt.
    pub(crate) fn prepare(
        &self,
        service: &Service,
        endpoint: &Endpoint,
        request: &Request<'_>,
    ) -> Result<Prepared, Error> {
        let identity = self.inner.credentials.identity(&self.inner.pool)?;
        let mut path_and_query = String::with_capacity(
            endpoint.base_path.len() + request.path.len() + request.query.len() + 1,
        );
        path_and_query.push_str(&endpoint.base_path);
        path_and_query.push_str(&request.path);
        if !request.query.is_empty() {
            path_and_query.push('?');
            path_and_query.push_str(&request.query);
        }
        let mut headers = request.headers.clone();
        headers.extend(self.sign(service, endpoint, request, &path_and_query, &identity)?);
        Ok(Prepared {
            path_and_query,
            headers,
        })
    }

    fn sign(
        &self,
        service: &Service,
        endpoint: &Endpoint,
        request: &Request<'_>,
        path_and_query: &str,
        identity: &Identity,
    ) -> Result<Vec<(&'static str, String)>, Error> {
        let signing = |e: &dyn std::fmt::Display| {
            Error::new(ErrorKind::Request, format!("signing the request: {e}"))
        };
        let mut settings = SigningSettings::default();
        if request.s3 {
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        }
        let params = v4::SigningParams::builder()
            .identity(identity)
            .region(&self.inner.region)
            .name(service.signing_name)
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| signing(&e))?
            .into();
        let host = endpoint.authority();
        let url = endpoint.url(path_and_query);
        let headers = std::iter::once(("host", host.as_str()))
            .chain(request.headers.iter().map(|(n, v)| (*n, v.as_str())));
        let signable = SignableRequest::new(
            request.method,
            url.as_str(),
            headers,
            SignableBody::Bytes(request.body),
        )
        .map_err(|e| signing(&e))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| signing(&e))?
            .into_parts();
        let (headers, _params) = instructions.into_parts();
        Ok(headers
            .into_iter()
            .map(|h| (h.name(), h.value().to_owned()))
            .collect())
    }
}

/// The request id of an answer (`x-amzn-RequestId`, or S3's `x-amz-request-id`).
pub(crate) fn request_id(resp: &Response<'_>) -> Option<String> {
    resp.header("x-amzn-requestid")
        .or_else(|| resp.header("x-amz-request-id"))
        .map(str::to_owned)
}

/// A request signed for one attempt.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) path_and_query: String,
    headers: Vec<(&'static str, String)>,
}

impl Prepared {
    pub(crate) fn headers(&self) -> Vec<(&str, &str)> {
        self.headers.iter().map(|(n, v)| (*n, v.as_str())).collect()
    }

    /// The error of a request that got no answer.
    pub(crate) fn failed(
        &self,
        request: &Request<'_>,
        endpoint: &Endpoint,
        e: ruchy_lambda_runtime_core::http::HttpError,
    ) -> Error {
        let tls_refused = tls_failure(&e);
        let error = Error::transport(
            format!(
                "{} {} got no answer",
                request.method,
                endpoint.url(&self.path_and_query)
            ),
            e,
        );
        // A certificate or handshake the client refuses is refused again on the next attempt.
        if tls_refused {
            error.not_retryable()
        } else {
            error
        }
    }
}

/// Whether `e` is a TLS failure (an untrusted certificate, a failed handshake), which no
/// retry mends.
fn tls_failure(e: &ruchy_lambda_runtime_core::http::HttpError) -> bool {
    use ruchy_lambda_runtime_core::http::HttpError;
    let io = match e {
        HttpError::Connect { source, .. } => source,
        HttpError::Io(e) => e,
        _ => return false,
    };
    io.get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_client_is_shared_between_threads() {
        fn shared<T: Send + Sync + Clone + 'static>() {}
        shared::<super::Client>();
        shared::<crate::DynamoDb>();
        shared::<crate::S3>();
        shared::<crate::Lambda>();
        shared::<crate::JsonClient>();
        fn sent<T: Send>() {}
        sent::<crate::s3::Object>();
        sent::<crate::Error>();
    }
}
