//! Where the Runtime API is: the value of `AWS_LAMBDA_RUNTIME_API`.

use std::fmt;

/// The environment variable Lambda sets to the Runtime API's address.
pub const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";

/// The Runtime API version every path starts with.
pub const API_VERSION: &str = "2018-06-01";

/// The Runtime API's address, parsed.
///
/// Lambda sets `host:port` (`127.0.0.1:9001`); IPv6 (`[::1]:9001`) and host names are accepted
/// too, and so is a full `http://host:port/prefix` as local emulators set it (cargo-lambda serves
/// the API under a path prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `host:port` to connect to (and to send as `Host`).
    pub authority: String,
    /// The path every request starts with, e.g. `/2018-06-01` or `/.rt/2018-06-01`.
    pub base_path: String,
}

/// Why `AWS_LAMBDA_RUNTIME_API` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointError {
    /// The variable is not set (the program is not running on Lambda or a local Lambda).
    Missing,
    /// The variable is set but is not an address the client can use.
    Invalid {
        /// The value as found.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::Missing => write!(
                f,
                "{RUNTIME_API_VAR} is not set: this program is a Lambda bootstrap; run it on AWS \
                 Lambda or with `ruchy-lambda-local invoke`"
            ),
            EndpointError::Invalid { value, reason } => {
                write!(f, "{RUNTIME_API_VAR}=\"{value}\" is not usable: {reason}")
            }
        }
    }
}

impl std::error::Error for EndpointError {}

impl Endpoint {
    /// Reads and parses `AWS_LAMBDA_RUNTIME_API`.
    pub fn from_env() -> Result<Endpoint, EndpointError> {
        match std::env::var(RUNTIME_API_VAR) {
            Ok(value) => Endpoint::parse(&value),
            Err(std::env::VarError::NotPresent) => Err(EndpointError::Missing),
            Err(std::env::VarError::NotUnicode(raw)) => Err(EndpointError::Invalid {
                value: raw.to_string_lossy().into_owned(),
                reason: "it is not valid UTF-8",
            }),
        }
    }

    /// Parses a value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn parse(value: &str) -> Result<Endpoint, EndpointError> {
        let (authority, prefix) = split(value).map_err(|reason| EndpointError::Invalid {
            value: value.to_owned(),
            reason,
        })?;
        Ok(Endpoint {
            authority,
            base_path: format!("{prefix}/{API_VERSION}"),
        })
    }
}

/// The authority (with a port) and the path prefix (without a trailing `/`) of a value of
/// `AWS_LAMBDA_RUNTIME_API`, or what is wrong with it.
fn split(value: &str) -> Result<(String, &str), &'static str> {
    let trimmed = value.trim_ascii();
    if trimmed.is_empty() {
        return Err("it is empty");
    }
    let rest = if let Some(rest) = strip_prefix_ignore_case(trimmed, "http://") {
        rest
    } else if trimmed.as_bytes().windows(3).any(|w| w == b"://") {
        return Err("only plain http:// is supported (no TLS)");
    } else {
        trimmed
    };
    let (authority, path) = match rest.bytes().position(|b| b == b'/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return Err("no host");
    }
    if authority.bytes().any(|b| b == b'@') {
        return Err("user information is not supported");
    }
    if path.bytes().any(|b| b == b'?' || b == b'#') {
        return Err("a query or fragment is not supported");
    }
    if !authority
        .bytes()
        .chain(path.bytes())
        .all(|b| b.is_ascii_graphic())
    {
        return Err("it contains spaces or control characters");
    }
    let authority = with_port(authority)?;
    let mut prefix = path;
    while let Some(shorter) = prefix.strip_suffix('/') {
        prefix = shorter;
    }
    Ok((authority, prefix))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    crate::text::eq_ignore_case(head.as_bytes(), prefix.as_bytes()).then(|| &s[prefix.len()..])
}

/// Checks `host[:port]` and returns it with a port (80 when none is given).
fn with_port(authority: &str) -> Result<String, &'static str> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let close = v6
            .bytes()
            .position(|b| b == b']')
            .ok_or("an IPv6 address is missing its `]`")?;
        let host = &v6[..close];
        // The address itself is checked when it is connected to; this only keeps out junk.
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'%'))
        {
            return Err("the bracketed host is not an IPv6 address");
        }
        match &v6[close + 1..] {
            "" => (&authority[..close + 2], None),
            p => (
                &authority[..close + 2],
                Some(p.strip_prefix(':').ok_or("junk after the IPv6 address")?),
            ),
        }
    } else {
        match authority.bytes().rposition(|b| b == b':') {
            Some(colon) if authority.as_bytes()[..colon].contains(&b':') => {
                return Err("an IPv6 address must be written in brackets: [::1]:9001");
            }
            Some(colon) => (&authority[..colon], Some(&authority[colon + 1..])),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("no host");
    }
    match port {
        None => Ok(format!("{host}:80")),
        Some(p) => match crate::text::parse_u64(p) {
            Some(1..=65535) => Ok(authority.to_owned()),
            _ => Err("the port is not a number from 1 to 65535"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_forms_lambda_and_emulators_set() {
        let cases = [
            ("127.0.0.1:9001", "127.0.0.1:9001", "/2018-06-01"),
            ("[::1]:9001", "[::1]:9001", "/2018-06-01"),
            ("localhost:9001", "localhost:9001", "/2018-06-01"),
            ("runtime.local", "runtime.local:80", "/2018-06-01"),
            ("http://127.0.0.1:9000", "127.0.0.1:9000", "/2018-06-01"),
            ("http://[::]:9000/.rt", "[::]:9000", "/.rt/2018-06-01"),
            (
                "HTTP://127.0.0.1:9000/.rt/",
                "127.0.0.1:9000",
                "/.rt/2018-06-01",
            ),
            (
                "http://127.0.0.1:9000/a/b",
                "127.0.0.1:9000",
                "/a/b/2018-06-01",
            ),
            (" 127.0.0.1:9001\n", "127.0.0.1:9001", "/2018-06-01"),
        ];
        for (value, authority, base) in cases {
            let e = Endpoint::parse(value).unwrap_or_else(|e| panic!("{value:?}: {e}"));
            assert_eq!(
                (e.authority.as_str(), e.base_path.as_str()),
                (authority, base),
                "{value:?}"
            );
        }
    }

    #[test]
    fn rejects_unusable_values_with_a_reason() {
        let cases = [
            ("", "it is empty"),
            (
                "https://127.0.0.1:9001",
                "only plain http:// is supported (no TLS)",
            ),
            ("http://", "no host"),
            ("127.0.0.1:0", "the port is not a number from 1 to 65535"),
            (
                "127.0.0.1:70000",
                "the port is not a number from 1 to 65535",
            ),
            ("127.0.0.1:port", "the port is not a number from 1 to 65535"),
            (
                "::1:9001",
                "an IPv6 address must be written in brackets: [::1]:9001",
            ),
            ("[::1:9001", "an IPv6 address is missing its `]`"),
            (
                "[nothost]:9001",
                "the bracketed host is not an IPv6 address",
            ),
            ("[::1]x9001", "junk after the IPv6 address"),
            ("user@host:1", "user information is not supported"),
            ("host:1/p?q", "a query or fragment is not supported"),
            ("ho st:1", "it contains spaces or control characters"),
            (":9001", "no host"),
        ];
        for (value, reason) in cases {
            match Endpoint::parse(value) {
                Err(EndpointError::Invalid { reason: r, .. }) => assert_eq!(r, reason, "{value:?}"),
                other => panic!("{value:?}: expected an error, got {other:?}"),
            }
        }
    }

    #[test]
    fn errors_say_what_to_do() {
        assert!(
            EndpointError::Missing
                .to_string()
                .contains("AWS_LAMBDA_RUNTIME_API is not set")
        );
        let e = Endpoint::parse("https://x:1").unwrap_err().to_string();
        assert!(e.contains("\"https://x:1\""), "{e}");
    }
}
