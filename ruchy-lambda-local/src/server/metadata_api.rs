//! The Lambda metadata endpoint (version 2026-01-15), on the same host and port:
//! `GET /2026-01-15/metadata/execution-environment`, which tells the function the Availability
//! Zone it runs in.
//!
//! As AWS documents it
//! (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-metadata-endpoint.html>): the
//! function finds the server in `AWS_LAMBDA_METADATA_API` (`{ipv4_address}:{port}`, no
//! scheme, no path: so this family is served at the root, whatever the prefix of the other two)
//! and sends `Authorization: Bearer $AWS_LAMBDA_METADATA_TOKEN`. The answer is `200`,
//! `Content-Type: application/json`, `Cache-Control: private, max-age=43200, immutable` and
//! `{"AvailabilityZoneID":"use1-az1"}`; a missing or wrong token is `401`, a method other than
//! `GET` is `405`.
//!
//! Where the documentation is silent, this follows AWS's own handler (`internal/lmds/handler.go`
//! of the Runtime Interface Emulator): the token must follow `Bearer ` exactly (case and one
//! space), a `401` is the plain text `Unauthorized` with a newline
//! (`text/plain; charset=utf-8`, `X-Content-Type-Options: nosniff`), and with SnapStart the TTL
//! "reduced during initialization" is one second until the snapshot is restored (the figure of
//! that handler's SnapStart test). The `405` (which that handler writes as the plain text
//! `Method Not Allowed`) and the `404` of any other path under `/2026-01-15/metadata/` are this
//! server's, as for its other endpoints: Lambda's JSON error, the `405` with `Allow: GET`.

use super::dispatch::Incoming;
use super::reply::Reply;
use super::state::State;
use super::{ServerConfig, Shared};

/// The metadata API's base path (at the root, not under the prefix).
pub(super) const BASE: &str = "/2026-01-15/metadata/";

/// What `Cache-Control` says of a `200`: the answer does not change in an execution
/// environment, so a client keeps it for 12 hours.
pub(super) const CACHE_CONTROL: &str = "private, max-age=43200, immutable";

/// `Cache-Control` during a SnapStart init: the snapshot may be restored in another zone, so
/// a client asks again one second later.
pub(super) const CACHE_CONTROL_BEFORE_RESTORE: &str = "private, max-age=1, immutable";

/// A metadata API endpoint.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum MetadataRoute {
    /// `GET /2026-01-15/metadata/execution-environment`.
    ExecutionEnvironment,
}

/// The endpoint for `rest`, the path under [`BASE`], and the method it takes.
pub(super) fn route(rest: &str) -> Option<(MetadataRoute, &'static str)> {
    match rest {
        "execution-environment" => Some((MetadataRoute::ExecutionEnvironment, "GET")),
        _ => None,
    }
}

/// The Availability Zone ID Lambda would report in `region` by default: the region's first
/// zone, e.g. `use1-az1` for `us-east-1`, `apne1-az1` for `ap-northeast-1`, `usgw1-az1` for
/// `us-gov-west-1` (AWS's zone IDs: the region's code, one letter or two per word of its name,
/// the number, then `-az` and the zone's number).
pub fn default_availability_zone_id(region: &str) -> String {
    let mut code = String::new();
    let mut parts = region.split('-').peekable();
    if let Some(area) = parts.next() {
        code.push_str(area);
    }
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            code.push_str(part);
            break;
        }
        match part {
            "northeast" => code.push_str("ne"),
            "northwest" => code.push_str("nw"),
            "southeast" => code.push_str("se"),
            "southwest" => code.push_str("sw"),
            word => code.extend(word.chars().next()),
        }
    }
    format!("{code}-az1")
}

/// Whether `id` has the form of an Availability Zone ID: a region code, `-az`, a number
/// (`use1-az1`, `apse2-az3`).
pub fn is_availability_zone_id(id: &str) -> bool {
    let Some((region, zone)) = id.rsplit_once("-az") else {
        return false;
    };
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && region
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase())
        && !zone.is_empty()
        && zone.bytes().all(|b| b.is_ascii_digit())
}

impl ServerConfig {
    /// The Availability Zone ID the metadata endpoint reports:
    /// [`ServerConfig::availability_zone_id`], or the region's first zone
    /// ([`default_availability_zone_id`]).
    pub fn effective_availability_zone_id(&self) -> String {
        self.availability_zone_id
            .clone()
            .unwrap_or_else(|| default_availability_zone_id(&self.region))
    }
}

impl Reply {
    /// `401` as AWS's metadata handler writes it (Go's `http.Error`).
    fn unauthorized() -> Reply {
        Reply::Send {
            status: 401,
            headers: vec![
                ("Content-Type", "text/plain; charset=utf-8".to_owned()),
                ("X-Content-Type-Options", "nosniff".to_owned()),
            ],
            body: b"Unauthorized\n".to_vec(),
            handed_out: None,
        }
    }
}

impl Shared {
    /// Handles a metadata API request.
    pub(super) fn metadata_api(&self, route: MetadataRoute, request: &Incoming<'_>) -> Reply {
        match route {
            MetadataRoute::ExecutionEnvironment => {
                let authorized = request
                    .head
                    .header("Authorization")
                    .and_then(|value| value.strip_prefix("Bearer "))
                    .is_some_and(|token| same_secret(token, &self.metadata_token));
                self.answer_locked(request, |st| {
                    if authorized {
                        self.execution_environment_metadata(st)
                    } else {
                        Reply::unauthorized()
                    }
                })
            }
        }
    }

    /// The `200` of `/metadata/execution-environment`.
    fn execution_environment_metadata(&self, st: &State) -> Reply {
        let before_restore = self.config.snap_start && st.restore.released_at.is_none();
        let cache_control = if before_restore {
            CACHE_CONTROL_BEFORE_RESTORE
        } else {
            CACHE_CONTROL
        };
        let body = serde_json::json!({ "AvailabilityZoneID": self.availability_zone_id });
        Reply::Send {
            status: 200,
            headers: vec![("Cache-Control", cache_control.to_owned())],
            body: body.to_string().into_bytes(),
            handed_out: None,
        }
    }
}

/// `a == b`, in a time that does not depend on where they first differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::RuntimeApiServer;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    /// Sends `GET path` with `authorization` (if any) on a connection of its own, and gives the
    /// response's status line, its header section and its body.
    fn get(server: &RuntimeApiServer, path: &str, authorization: Option<&str>) -> [String; 3] {
        let mut stream = TcpStream::connect(server.metadata_api()).unwrap();
        let auth = authorization.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let (status, headers) = head.split_once("\r\n").unwrap();
        [status.to_owned(), headers.to_owned(), body.to_owned()]
    }

    const PATH: &str = "/2026-01-15/metadata/execution-environment";

    #[test]
    fn the_endpoint_over_loopback() {
        let server = RuntimeApiServer::start(ServerConfig {
            region: "eu-west-1".to_owned(),
            path_prefix: "/prefixed".to_owned(),
            ..ServerConfig::default()
        })
        .unwrap();
        let token = server.metadata_token().to_owned();
        assert_eq!(token.len(), 64);
        assert_eq!(server.metadata_api(), server.addr().to_string());

        let bearer = format!("Bearer {token}");
        let [status, headers, body] = get(&server, PATH, Some(&bearer));
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(
            headers.contains("Content-Type: application/json\r\n"),
            "{headers}"
        );
        assert!(
            headers.contains("Cache-Control: private, max-age=43200, immutable\r\n"),
            "{headers}"
        );
        assert_eq!(body, r#"{"AvailabilityZoneID":"euw1-az1"}"#);

        for refused in [
            None,
            Some(format!("Bearer {token}x")),
            Some(format!("bearer {token}")),
            Some(format!("Bearer  {token}")),
            Some(token.clone()),
            Some("Bearer ".to_owned()),
        ] {
            let [status, headers, body] = get(&server, PATH, refused.as_deref());
            assert_eq!(status, "HTTP/1.1 401 Unauthorized", "{refused:?}");
            assert!(
                headers.contains("Content-Type: text/plain; charset=utf-8\r\n")
                    && !headers.contains("application/json"),
                "{headers}"
            );
            assert_eq!(body, "Unauthorized\n");
        }

        // Under the prefix it is not: the address has no path.
        let [status, ..] = get(&server, &format!("/prefixed{PATH}"), Some(&bearer));
        assert_eq!(status, "HTTP/1.1 404 Not Found");
        let [status, ..] = get(&server, "/2026-01-15/metadata/other", Some(&bearer));
        assert_eq!(status, "HTTP/1.1 404 Not Found");

        // Every request is in the request log, like the runtime's.
        let logged: Vec<_> = (server.request_log().iter())
            .filter(|e| e.target == PATH)
            .map(|e| e.status)
            .collect();
        assert_eq!(logged.len(), 7, "{logged:?}");
        assert_eq!(logged[0], Some(200));

        // Another server, another token.
        let other = RuntimeApiServer::start(ServerConfig::default()).unwrap();
        assert_ne!(other.metadata_token(), token);
        let [status, ..] = get(&other, PATH, Some(&bearer));
        assert_eq!(status, "HTTP/1.1 401 Unauthorized");
    }

    #[test]
    fn a_given_zone_and_the_snap_start_ttl() {
        let server = RuntimeApiServer::start(ServerConfig {
            availability_zone_id: Some("use1-az6".to_owned()),
            snap_start: true,
            ..ServerConfig::default()
        })
        .unwrap();
        let bearer = format!("Bearer {}", server.metadata_token());
        let [status, headers, body] = get(&server, PATH, Some(&bearer));
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert_eq!(body, r#"{"AvailabilityZoneID":"use1-az6"}"#);
        assert!(
            headers.contains("Cache-Control: private, max-age=1, immutable\r\n"),
            "{headers}"
        );
    }

    #[test]
    fn routes() {
        assert_eq!(
            route("execution-environment"),
            Some((MetadataRoute::ExecutionEnvironment, "GET"))
        );
        for other in ["", "execution-environment/", "execution_environment", "x"] {
            assert_eq!(route(other), None, "{other}");
        }
    }

    #[test]
    fn default_zone_ids_follow_aws_naming() {
        for (region, id) in [
            ("us-east-1", "use1-az1"),
            ("us-west-2", "usw2-az1"),
            ("eu-west-3", "euw3-az1"),
            ("eu-central-1", "euc1-az1"),
            ("eu-north-1", "eun1-az1"),
            ("ap-northeast-1", "apne1-az1"),
            ("ap-southeast-2", "apse2-az1"),
            ("ap-south-1", "aps1-az1"),
            ("ca-central-1", "cac1-az1"),
            ("sa-east-1", "sae1-az1"),
            ("me-south-1", "mes1-az1"),
            ("af-south-1", "afs1-az1"),
            ("us-gov-west-1", "usgw1-az1"),
            ("cn-northwest-1", "cnnw1-az1"),
        ] {
            assert_eq!(default_availability_zone_id(region), id, "{region}");
            assert!(is_availability_zone_id(id), "{id}");
        }
    }

    #[test]
    fn zone_id_form() {
        for ok in ["use1-az1", "apse2-az3", "usgw1-az12"] {
            assert!(is_availability_zone_id(ok), "{ok}");
        }
        for bad in [
            "",
            "use1",
            "use1-az",
            "-az1",
            "USE1-az1",
            "use1-az1 ",
            "us-east-1a",
            "1-az1",
        ] {
            assert!(!is_availability_zone_id(bad), "{bad}");
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }
}
