//! Amazon S3: `GetObject` (read as it arrives), `PutObject`, `HeadObject`, `DeleteObject` and
//! `ListObjectsV2`.
//!
//! Keys may hold any character: the path is percent-encoded once and signed as S3 signs it (not
//! encoded a second time, with `x-amz-content-sha256`). Buckets are addressed in the host
//! (`bucket.s3.region.amazonaws.com`) as the SDKs do, and in the path (`host/bucket/key`) for
//! an IP-address endpoint, a bucket name that cannot be a host label, or when
//! [`force_path_style`](crate::Builder::force_path_style) asks for it.

mod key;
mod object;
mod xml;

pub use object::{Object, ObjectHead};
pub use xml::ObjectSummary;

use ruchy_lambda_runtime_core::http::Response;

use crate::client::{Client, Request, request_id};
use crate::endpoint::{Endpoint, Resolved, Service};
use crate::error::{Error, ErrorKind};

/// Amazon S3.
#[derive(Debug, Clone)]
pub struct S3 {
    client: Client,
    endpoint: Resolved,
}

impl Client {
    /// Amazon S3 (endpoint: `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, or AWS's).
    pub fn s3(&self) -> S3 {
        S3 {
            endpoint: self.resolve(&Service::S3),
            client: self.clone(),
        }
    }
}

impl S3 {
    /// The object `key` of `bucket`: its metadata at once, its body read as it arrives
    /// ([`Object`] is [`std::io::Read`]). The body holds its connection until it is read to
    /// its end; calls made meanwhile use other connections.
    pub fn get_object(&self, bucket: &str, key: &str) -> Result<Object, Error> {
        let (endpoint, path) = self.locate(bucket, Some(key))?;
        self.client.with_retries(|| {
            let request = request("GET", path.clone(), String::new(), Vec::new(), b"");
            object::get(&self.client, &endpoint, &request)
        })
    }

    /// Writes `body` as the object `key` of `bucket`, with this `Content-Type` (S3's default,
    /// `binary/octet-stream`, when `None`). Returns the object's ETag.
    pub fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let (endpoint, path) = self.locate(bucket, Some(key))?;
        let headers = content_type
            .map(|t| ("content-type", t.to_owned()))
            .into_iter()
            .collect();
        let request = request("PUT", path, String::new(), headers, body);
        self.client
            .call(&Service::S3, &endpoint, &request, s3_error, |resp| {
                Ok(resp.header("etag").map(str::to_owned))
            })
    }

    /// The metadata of the object `key` of `bucket`. A missing object is an error with code
    /// `NotFound` and status 404 (a `HEAD` answer has no body to say more).
    pub fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectHead, Error> {
        let (endpoint, path) = self.locate(bucket, Some(key))?;
        let request = request("HEAD", path, String::new(), Vec::new(), b"");
        self.client
            .call(&Service::S3, &endpoint, &request, s3_error, |resp| {
                Ok(ObjectHead::from_response(resp))
            })
    }

    /// Deletes the object `key` of `bucket` (S3 answers success for a key that is not there).
    pub fn delete_object(&self, bucket: &str, key: &str) -> Result<(), Error> {
        let (endpoint, path) = self.locate(bucket, Some(key))?;
        let request = request("DELETE", path, String::new(), Vec::new(), b"");
        self.client
            .call(&Service::S3, &endpoint, &request, s3_error, |_| Ok(()))
    }

    /// Every object of `bucket` whose key starts with `prefix`, in key order, following
    /// `ListObjectsV2`'s continuation tokens to the last page.
    pub fn list_objects_v2(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectSummary>, Error> {
        self.list(bucket, prefix, None)
    }

    /// [`list_objects_v2`](Self::list_objects_v2) asking for pages of at most `max_keys` keys
    /// (S3's default and maximum is 1,000).
    pub fn list_objects_v2_with_page_size(
        &self,
        bucket: &str,
        prefix: &str,
        max_keys: u32,
    ) -> Result<Vec<ObjectSummary>, Error> {
        self.list(bucket, prefix, Some(max_keys))
    }

    fn list(
        &self,
        bucket: &str,
        prefix: &str,
        max_keys: Option<u32>,
    ) -> Result<Vec<ObjectSummary>, Error> {
        let (endpoint, path) = self.locate(bucket, None)?;
        let mut objects = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = String::from("encoding-type=url&list-type=2");
            if let Some(n) = max_keys {
                query.push_str(&format!("&max-keys={n}"));
            }
            if !prefix.is_empty() {
                query.push_str("&prefix=");
                query.push_str(&key::encode_query(prefix));
            }
            if let Some(t) = &token {
                query.push_str("&continuation-token=");
                query.push_str(&key::encode_query(t));
            }
            let request = request("GET", path.clone(), query, Vec::new(), b"");
            let page = self
                .client
                .call(&Service::S3, &endpoint, &request, s3_error, |resp| {
                    xml::parse_list_objects_v2(resp.body).map_err(|e| {
                        Error::new(ErrorKind::Response, format!("ListObjectsV2: {e}"))
                            .with_request_id(request_id(resp))
                    })
                })?;
            objects.extend(page.keys);
            match page.next_continuation_token {
                Some(next) if page.is_truncated => token = Some(next),
                _ => return Ok(objects),
            }
        }
    }

    /// Opens `connections` connections to `bucket`'s endpoint now (see
    /// [`Client::connect_now`]).
    pub fn connect_now(&self, bucket: &str, connections: usize) -> Result<(), Error> {
        let (endpoint, _) = self.locate(bucket, None)?;
        self.client.connect_endpoint(&endpoint, connections)
    }

    /// The endpoint and encoded path of `bucket` (and `key`).
    fn locate(&self, bucket: &str, key: Option<&str>) -> Result<(Endpoint, String), Error> {
        let base = self.endpoint.get()?;
        if bucket.is_empty() || bucket.contains('/') {
            return Err(Error::new(
                ErrorKind::Request,
                format!("{bucket:?} is not a bucket name"),
            ));
        }
        if key == Some("") {
            return Err(Error::new(
                ErrorKind::Request,
                "an object key cannot be empty",
            ));
        }
        let key = key.map(key::encode_path).unwrap_or_default();
        let virtual_host = !self.client.inner.force_path_style
            && !base.is_ip()
            && is_virtual_hostable(bucket, base.https);
        Ok(if virtual_host {
            (base.with_host_label(bucket), format!("/{key}"))
        } else {
            let bucket = key::encode_path(bucket);
            let path = if key.is_empty() {
                format!("/{bucket}")
            } else {
                format!("/{bucket}/{key}")
            };
            (base.clone(), path)
        })
    }
}

fn request<'a>(
    method: &'static str,
    path: String,
    query: String,
    headers: Vec<(&'static str, String)>,
    body: &'a [u8],
) -> Request<'a> {
    Request {
        method,
        path,
        query,
        headers,
        body,
        s3: true,
    }
}

/// Whether `bucket` can be the first label of a host name (the SDKs' rule): 3 to 63 lower-case
/// letters, digits and hyphens, starting and ending with a letter or digit, not an IP address;
/// dots only over plain http (a dotted name does not match S3's wildcard certificate).
fn is_virtual_hostable(bucket: &str, https: bool) -> bool {
    let b = bucket.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'.')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && !bucket.contains("..")
        && !(https && bucket.contains('.'))
        && bucket.parse::<std::net::Ipv4Addr>().is_err()
}

/// The error of an S3 answer: the code and message of its XML body, or, for a body-less answer
/// (`HEAD`), a code made from the status as the SDKs make it.
pub(crate) fn s3_error(resp: &Response<'_>) -> Error {
    let id = request_id(resp);
    if let Some(body) = xml::parse_error(resp.body) {
        return Error::service(
            resp.status,
            Some(body.code),
            body.message.unwrap_or_default(),
            id.or(body.request_id),
        );
    }
    let code = match resp.status {
        304 => "NotModified",
        400 => "BadRequest",
        403 => "Forbidden",
        404 => "NotFound",
        412 => "PreconditionFailed",
        _ => "",
    };
    Error::service(
        resp.status,
        (!code.is_empty()).then(|| code.to_owned()),
        format!("S3 answered HTTP {}", resp.status),
        id,
    )
}

#[cfg(test)]
mod tests {
    use super::is_virtual_hostable;

    #[test]
    fn buckets_in_the_host_as_the_sdks_choose() {
        assert!(is_virtual_hostable("my-bucket", true));
        assert!(is_virtual_hostable("my.bucket", false));
        assert!(!is_virtual_hostable("my.bucket", true));
        assert!(!is_virtual_hostable("My_Bucket", false));
        assert!(!is_virtual_hostable("ab", false));
        assert!(!is_virtual_hostable("-ab", false));
        assert!(!is_virtual_hostable("192.168.1.1", false));
    }
}
