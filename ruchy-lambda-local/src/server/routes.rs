//! Which Runtime API endpoint a request is for, from its method and path.

const API_VERSION: &str = "/2018-06-01/runtime/";
/// The Extensions API, on the same host and port.
const EXTENSION_API: &str = "/2020-01-01/extension/";

/// A Runtime API endpoint.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Route<'a> {
    Next,
    Response(&'a str),
    Error(&'a str),
    InitError,
    /// `GET /runtime/restore/next` (SnapStart only).
    RestoreNext,
    /// `POST /runtime/restore/error` (SnapStart only).
    RestoreError,
    /// `POST /2020-01-01/extension/register`.
    ExtensionRegister,
    /// `GET /2020-01-01/extension/event/next`.
    ExtensionNext,
    /// A known path with the wrong method; the method it takes.
    WrongMethod(&'static str),
    NotFound,
}

/// The endpoint for `method` and `path` under `prefix` (normalized, see [`normalize_prefix`]).
pub(super) fn route<'a>(prefix: &str, method: &str, path: &'a str) -> Route<'a> {
    let Some(under) = path.strip_prefix(prefix) else {
        return Route::NotFound;
    };
    if let Some(rest) = under.strip_prefix(EXTENSION_API) {
        let (route, allowed) = match rest {
            "register" => (Route::ExtensionRegister, "POST"),
            "event/next" => (Route::ExtensionNext, "GET"),
            _ => return Route::NotFound,
        };
        return if method == allowed {
            route
        } else {
            Route::WrongMethod(allowed)
        };
    }
    let Some(rest) = under.strip_prefix(API_VERSION) else {
        return Route::NotFound;
    };
    let mut parts = rest.split('/');
    let parts = (parts.next(), parts.next(), parts.next(), parts.next());
    let (route, allowed) = match parts {
        (Some("invocation"), Some("next"), None, None) => (Route::Next, "GET"),
        (Some("init"), Some("error"), None, None) => (Route::InitError, "POST"),
        (Some("restore"), Some("next"), None, None) => (Route::RestoreNext, "GET"),
        (Some("restore"), Some("error"), None, None) => (Route::RestoreError, "POST"),
        (Some("invocation"), Some(id), Some("response"), None) => (Route::Response(id), "POST"),
        (Some("invocation"), Some(id), Some("error"), None) => (Route::Error(id), "POST"),
        _ => return Route::NotFound,
    };
    if method == allowed {
        route
    } else {
        Route::WrongMethod(allowed)
    }
}

/// A path prefix as served: empty, or `/a/b` without a trailing slash.
pub(super) fn normalize_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let p = "/2018-06-01/runtime";
        assert_eq!(
            route("", "GET", &format!("{p}/invocation/next")),
            Route::Next
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation/next")),
            Route::WrongMethod("GET")
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation/ab-1/response")),
            Route::Response("ab-1")
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation/ab-1/error")),
            Route::Error("ab-1")
        );
        assert_eq!(
            route("", "GET", &format!("{p}/invocation/ab-1/error")),
            Route::WrongMethod("POST")
        );
        assert_eq!(
            route("", "POST", &format!("{p}/init/error")),
            Route::InitError
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation//response")),
            Route::Response("")
        );
        assert_eq!(
            route("", "GET", &format!("{p}/invocation/next/")),
            Route::NotFound
        );
        assert_eq!(
            route("", "GET", "/2018-06-01/runtime/next"),
            Route::NotFound
        );
        assert_eq!(
            route("/x", "GET", &format!("/x{p}/invocation/next")),
            Route::Next
        );
        assert_eq!(
            route("/x", "GET", &format!("{p}/invocation/next")),
            Route::NotFound
        );
    }

    #[test]
    fn lifecycle_routes() {
        assert_eq!(
            route("", "GET", "/2018-06-01/runtime/restore/next"),
            Route::RestoreNext
        );
        assert_eq!(
            route("", "POST", "/2018-06-01/runtime/restore/error"),
            Route::RestoreError
        );
        assert_eq!(
            route("", "POST", "/2018-06-01/runtime/restore/next"),
            Route::WrongMethod("GET")
        );
        assert_eq!(
            route("", "POST", "/2020-01-01/extension/register"),
            Route::ExtensionRegister
        );
        assert_eq!(
            route("/p", "GET", "/p/2020-01-01/extension/event/next"),
            Route::ExtensionNext
        );
        assert_eq!(
            route("", "GET", "/2020-01-01/extension/register"),
            Route::WrongMethod("POST")
        );
        assert_eq!(
            route("", "POST", "/2020-01-01/extension/init/error"),
            Route::NotFound
        );
        assert_eq!(
            route("", "GET", "/2020-01-01/extension/event/next/"),
            Route::NotFound
        );
    }

    #[test]
    fn prefixes() {
        assert_eq!(normalize_prefix(""), "");
        assert_eq!(normalize_prefix("/"), "");
        assert_eq!(normalize_prefix("a/b/"), "/a/b");
        assert_eq!(normalize_prefix("/a"), "/a");
    }
}
