//! Which endpoint a request is for, from its method and path.
//!
//! Each API family served on this address routes what is under its base path ([`FAMILIES`]):
//! the Runtime API (`runtime_api`) and the Extensions API (`extensions_api`) under the path
//! prefix, the metadata API (`metadata_api`) at the root, since `AWS_LAMBDA_METADATA_API` is a
//! bare `host:port`. A family is a room of its own, with its routes and its endpoints; serving
//! another one is a new room, a [`Route`] variant and a line in [`FAMILIES`].

use super::extensions_api::{self, ExtensionRoute};
use super::metadata_api::{self, MetadataRoute};
use super::runtime_api::{self, RuntimeRoute};

/// An endpoint of one of the API families, or why there is none.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Route<'a> {
    /// A Runtime API endpoint (`/2018-06-01/runtime/…`).
    Runtime(RuntimeRoute<'a>),
    /// An Extensions API endpoint (`/2020-01-01/extension/…`), on the same host and port.
    Extension(ExtensionRoute),
    /// A metadata API endpoint (`/2026-01-15/metadata/…`), on the same host and port.
    Metadata(MetadataRoute),
    /// A known path with the wrong method; the method it takes.
    WrongMethod(&'static str),
    NotFound,
}

/// What a family's router makes of the path under its base path: the endpoint and the method it
/// takes, or `None` for a path it does not serve.
type Router = for<'a> fn(&'a str) -> Option<(Route<'a>, &'static str)>;

/// Where a family's base path is.
#[derive(Clone, Copy)]
enum Mount {
    /// Under the path prefix, as `AWS_LAMBDA_RUNTIME_API` says.
    UnderPrefix,
    /// At the root, whatever the prefix.
    AtRoot,
}

/// The API families served, each with its base path, where that is, and its router.
const FAMILIES: [(&str, Mount, Router); 3] = [
    (extensions_api::BASE, Mount::UnderPrefix, |rest| {
        extensions_api::route(rest).map(|(route, method)| (Route::Extension(route), method))
    }),
    (runtime_api::BASE, Mount::UnderPrefix, |rest| {
        runtime_api::route(rest).map(|(route, method)| (Route::Runtime(route), method))
    }),
    (metadata_api::BASE, Mount::AtRoot, |rest| {
        metadata_api::route(rest).map(|(route, method)| (Route::Metadata(route), method))
    }),
];

/// The endpoint for `method` and `path`, the families of [`Mount::UnderPrefix`] under `prefix`
/// (normalized, see [`normalize_prefix`]).
pub(super) fn route<'a>(prefix: &str, method: &str, path: &'a str) -> Route<'a> {
    let Some((rest, router)) = FAMILIES.iter().find_map(|&(base, mount, router)| {
        let under = match mount {
            Mount::UnderPrefix => path.strip_prefix(prefix)?,
            Mount::AtRoot => path,
        };
        Some((under.strip_prefix(base)?, router))
    }) else {
        return Route::NotFound;
    };
    let Some((route, allowed)) = router(rest) else {
        return Route::NotFound;
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
            Route::Runtime(RuntimeRoute::Next)
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation/next")),
            Route::WrongMethod("GET")
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation/ab-1/response")),
            Route::Runtime(RuntimeRoute::Response("ab-1"))
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation/ab-1/error")),
            Route::Runtime(RuntimeRoute::Error("ab-1"))
        );
        assert_eq!(
            route("", "GET", &format!("{p}/invocation/ab-1/error")),
            Route::WrongMethod("POST")
        );
        assert_eq!(
            route("", "POST", &format!("{p}/init/error")),
            Route::Runtime(RuntimeRoute::InitError)
        );
        assert_eq!(
            route("", "POST", &format!("{p}/invocation//response")),
            Route::Runtime(RuntimeRoute::Response(""))
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
            Route::Runtime(RuntimeRoute::Next)
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
            Route::Runtime(RuntimeRoute::RestoreNext)
        );
        assert_eq!(
            route("", "POST", "/2018-06-01/runtime/restore/error"),
            Route::Runtime(RuntimeRoute::RestoreError)
        );
        assert_eq!(
            route("", "POST", "/2018-06-01/runtime/restore/next"),
            Route::WrongMethod("GET")
        );
        assert_eq!(
            route("", "POST", "/2020-01-01/extension/register"),
            Route::Extension(ExtensionRoute::Register)
        );
        assert_eq!(
            route("/p", "GET", "/p/2020-01-01/extension/event/next"),
            Route::Extension(ExtensionRoute::EventNext)
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
    fn metadata_routes_at_the_root() {
        let path = "/2026-01-15/metadata/execution-environment";
        let found = Route::Metadata(MetadataRoute::ExecutionEnvironment);
        assert_eq!(route("", "GET", path), found);
        assert_eq!(route("/p", "GET", path), found);
        assert_eq!(route("/p", "GET", &format!("/p{path}")), Route::NotFound);
        assert_eq!(route("", "POST", path), Route::WrongMethod("GET"));
        assert_eq!(
            route("", "GET", "/2026-01-15/metadata/other"),
            Route::NotFound
        );
        assert_eq!(
            route("", "GET", "/2025-01-15/metadata/execution-environment"),
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
