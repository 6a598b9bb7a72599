//! `new NAME`: a new function's crate, ready to build, test and invoke on the local Lambda.
//!
//! The crate depends on `ruchy-lambda` by path (the checkout this command was built from, or
//! `--path DIR`), by git (`--git URL`), or, when this command was not built in a checkout (it was
//! installed from crates.io), on the version of `ruchy-lambda` that is this command's version.
//! It has the release profile of ruchy-lambda's README, a handler with its unit tests, an event
//! file and a README, and an empty `[workspace]`, so it builds wherever it is written, inside
//! another workspace's folder too.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::CliError;
use super::args::{Dependency, NewArgs};

/// Longest name: Lambda's limit on a function name (crates.io's on a crate name too).
const MAX_NAME: usize = 64;

/// Rust's keywords, strict and reserved (2024 edition): Cargo refuses them as package names.
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names Cargo refuses or warns about, and why.
const RESERVED: &[(&str, &str)] = &[
    ("test", "it conflicts with Rust's built-in test library"),
    ("std", "it is part of Rust's standard library"),
    ("core", "it is part of Rust's standard library"),
    ("alloc", "it is part of Rust's standard library"),
    ("proc_macro", "it is part of Rust's standard library"),
    ("proc-macro", "it is part of Rust's standard library"),
    ("deps", "it conflicts with Cargo's build directory names"),
    (
        "examples",
        "it conflicts with Cargo's build directory names",
    ),
    ("build", "it conflicts with Cargo's build directory names"),
    (
        "incremental",
        "it conflicts with Cargo's build directory names",
    ),
];

/// Windows device names: a folder cannot have them there.
const WINDOWS_RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// The release profile of ruchy-lambda's README, as it is written there.
const RELEASE_PROFILE: &str = "\
[profile.release]
opt-level = \"z\"     # size: a Lambda bootstrap is loaded cold on every new sandbox
lto = \"fat\"
codegen-units = 1
strip = true
";

/// Writes the crate and says what to do next.
pub fn run(args: NewArgs) -> Result<(), CliError> {
    let name = crate_name(&args.path)?;
    check_folder(&args.path)?;
    let dependency = dependency(&args.dependency, args.http)?;
    let files = files(&name, args.http, &dependency);
    write_files(&args.path, &files)?;

    let shown = args.path.display();
    let kind = if args.http {
        "an HTTP function"
    } else {
        "a JSON function"
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "created `{name}` ({kind}) in {shown}, with {}",
        dependency.line
    );
    for (path, _) in &files {
        let _ = writeln!(out, "  {path}");
    }
    let _ = writeln!(
        out,
        "next:\n  cd {shown}\n  cargo build --release\n  cargo test\n  \
         ruchy-lambda-local invoke --bin target/release/{name} --file events/example.json"
    );
    let _ = out.flush();
    Ok(())
}

/// The crate's name: the last part of the path, checked against Cargo's and Lambda's rules.
fn crate_name(path: &Path) -> Result<String, CliError> {
    let Some(name) = path.file_name() else {
        return Err(CliError::Usage(format!(
            "`{}` does not end with a name for the crate",
            path.display()
        )));
    };
    let Some(name) = name.to_str() else {
        return Err(CliError::Usage(format!(
            "invalid crate name `{}`: use ASCII letters, digits, `-` and `_`",
            name.to_string_lossy()
        )));
    };
    check_crate_name(name)?;
    Ok(name.to_owned())
}

/// Cargo's rules for a package name, and Lambda's for a function name (the binary is named
/// after the crate, and the local Lambda names the function after the binary).
pub fn check_crate_name(name: &str) -> Result<(), CliError> {
    let invalid = |why: &str| {
        Err(CliError::Usage(format!(
            "invalid crate name `{name}`: {why}"
        )))
    };
    let Some(first) = name.chars().next() else {
        return invalid("it is empty");
    };
    if let Some(bad) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return invalid(&format!(
            "`{bad}` is not allowed: use ASCII letters, digits, `-` and `_` (it also names the \
             Lambda function)"
        ));
    }
    if first.is_ascii_digit() {
        return invalid("it cannot start with a digit");
    }
    if first == '-' {
        return invalid("it cannot start with `-`");
    }
    if name.len() > MAX_NAME {
        return invalid(&format!(
            "it has {} characters, at most {MAX_NAME} are allowed",
            name.len()
        ));
    }
    if KEYWORDS.contains(&name) {
        return invalid("it is a Rust keyword");
    }
    if let Some((_, why)) = RESERVED.iter().find(|(n, _)| *n == name) {
        return invalid(why);
    }
    if WINDOWS_RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return invalid("it is a reserved file name on Windows");
    }
    Ok(())
}

/// The folder must not exist, or be an empty folder.
fn check_folder(path: &Path) -> Result<(), CliError> {
    let shown = path.display();
    match fs::read_dir(path) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(CliError::Usage(format!(
                    "`{shown}` already exists and is not empty: choose another name, or empty it"
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if path.exists() => Err(CliError::Usage(format!(
            "`{shown}` already exists and is not a folder"
        ))),
        Err(e) => Err(CliError::Failed(format!("cannot read `{shown}`: {e}"))),
    }
}

/// How `ruchy-lambda` is depended on, and how its local Lambda is run.
#[derive(Debug)]
struct Source {
    /// The line of `[dependencies]`.
    line: String,
    /// The command that installs `ruchy-lambda-local`, for the README.
    install: String,
}

/// The checkout of this repository this command was built in: the workspace whose member it
/// is, if that workspace has the `ruchy-lambda` crate. None when it was built from a package
/// (`cargo install ruchy-lambda-local` unpacks crates.io's copy of this crate alone) or the
/// checkout is gone.
pub fn built_in_checkout() -> Option<PathBuf> {
    checkout_of(Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// The checkout `crate_dir` is a member of: its parent, if the parent's `Cargo.toml` is a
/// workspace that names `"ruchy-lambda"` (its member) and that crate is there.
fn checkout_of(crate_dir: &Path) -> Option<PathBuf> {
    let root = crate_dir.parent()?;
    let manifest = fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let is_workspace = manifest.lines().any(|l| l.trim() == "[workspace]");
    let has_member = manifest.contains("\"ruchy-lambda\"");
    (is_workspace && has_member && root.join("ruchy-lambda").join("Cargo.toml").is_file())
        .then(|| root.to_path_buf())
}

fn dependency(dependency: &Dependency, http: bool) -> Result<Source, CliError> {
    let features = if http { ", features = [\"http\"]" } else { "" };
    match dependency {
        Dependency::Checkout => Ok(match built_in_checkout() {
            Some(root) => path_source(&root.join("ruchy-lambda"), &root, features),
            None => published_source(features),
        }),
        Dependency::Path(dir) => {
            let shown = dir.display();
            let dir = fs::canonicalize(dir)
                .map_err(|e| CliError::Usage(format!("`--path {shown}`: {e}")))?;
            let is_crate = |d: &Path| {
                fs::read_to_string(d.join("Cargo.toml"))
                    .is_ok_and(|m| m.lines().any(|l| l.trim() == "name = \"ruchy-lambda\""))
            };
            let crate_dir = if is_crate(&dir) {
                dir.clone()
            } else if is_crate(&dir.join("ruchy-lambda")) {
                dir.join("ruchy-lambda")
            } else {
                return Err(CliError::Usage(format!(
                    "`--path {shown}`: neither it nor its `ruchy-lambda` folder is the \
                     ruchy-lambda crate; give a checkout of the repository"
                )));
            };
            let root = crate_dir.parent().unwrap_or(&crate_dir).to_path_buf();
            Ok(path_source(&crate_dir, &root, features))
        }
        Dependency::Git { url, reference } => {
            let (key, option) = match reference {
                Some((kind, value)) => (
                    format!(", {} = {}", kind.key(), toml_string(value)),
                    format!(" --{} {value}", kind.key()),
                ),
                None => (String::new(), String::new()),
            };
            Ok(Source {
                line: format!(
                    "ruchy-lambda = {{ git = {}{key}{features} }}",
                    toml_string(url)
                ),
                install: format!("cargo install --locked --git {url}{option} ruchy-lambda-local"),
            })
        }
    }
}

/// The `ruchy-lambda` on crates.io whose version is this command's: they are released together.
fn published_source(features: &str) -> Source {
    let version = env!("CARGO_PKG_VERSION");
    Source {
        line: if features.is_empty() {
            format!("ruchy-lambda = \"{version}\"")
        } else {
            format!("ruchy-lambda = {{ version = \"{version}\"{features} }}")
        },
        install: "cargo install --locked ruchy-lambda-local".to_owned(),
    }
}

fn path_source(crate_dir: &Path, root: &Path, features: &str) -> Source {
    Source {
        line: format!(
            "ruchy-lambda = {{ path = {}{features} }}",
            toml_string(&crate_dir.to_string_lossy())
        ),
        install: format!(
            "cargo install --locked --path {}",
            root.join("ruchy-lambda-local").display()
        ),
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The crate's files: path (relative to its folder) and content.
fn files(name: &str, http: bool, source: &Source) -> Vec<(&'static str, String)> {
    vec![
        ("Cargo.toml", manifest(name, http, source)),
        (
            "src/main.rs",
            if http { HTTP_MAIN } else { JSON_MAIN }.to_owned(),
        ),
        (
            "events/example.json",
            if http { HTTP_EVENT } else { JSON_EVENT }.to_owned(),
        ),
        ("README.md", readme(name, http, source)),
        (".gitignore", "/target\n".to_owned()),
    ]
}

fn manifest(name: &str, http: bool, source: &Source) -> String {
    let what = if http {
        "an HTTP function (API Gateway, load balancer, function URL)"
    } else {
        "a Lambda function taking and returning JSON"
    };
    let dev_dependencies = if http {
        ""
    } else {
        "\n[dev-dependencies]\nserde_json = \"1\"  # the unit test reads events/example.json\n"
    };
    format!(
        "[package]\n\
         name = \"{name}\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         description = \"{what}, on ruchy-lambda\"\n\
         publish = false\n\n\
         # Its own workspace, so that it builds wherever it is; remove this to make the crate a\n\
         # member of yours.\n\
         [workspace]\n\n\
         [dependencies]\n\
         {line}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\n\
         {dev_dependencies}\n\
         {RELEASE_PROFILE}",
        line = source.line,
    )
}

fn readme(name: &str, http: bool, source: &Source) -> String {
    let what = if http {
        "An HTTP function on [ruchy-lambda](https://github.com/ruchy-lambda/ruchy-lambda): \
         `GET /hello?name=Ada` answers `hello Ada`, any other request 404. It runs behind an API \
         Gateway REST or HTTP API, an Application Load Balancer or a function URL."
    } else {
        "A Lambda function on [ruchy-lambda](https://github.com/ruchy-lambda/ruchy-lambda): an \
         order `{\"id\":7,\"qty\":2}` in, a receipt `{\"id\":7,\"total\":6}` out, and an error \
         for an empty order."
    };
    let serve = if http {
        format!(
            "# Behind an HTTP API on localhost:8080: curl 'localhost:8080/hello?name=Ada'\n\
             ruchy-lambda-local serve --bin target/release/{name} --http apigw-v2\n"
        )
    } else {
        format!(
            "# Behind Lambda's Invoke API on localhost:8080, for curl, the AWS CLI and SDKs\n\
             ruchy-lambda-local serve --bin target/release/{name}\n"
        )
    };
    format!(
        "# {name}\n\n\
         {what}\n\n\
         `cargo build --release` makes `target/release/{name}`: a `bootstrap` for Lambda's \
         `provided.al2023` runtime.\n\n\
         ```sh\n\
         # Build\n\
         cargo build --release\n\n\
         # Test: the handler's unit tests\n\
         cargo test\n\n\
         # Invoke locally, with the event in events/example.json: START, END and REPORT on\n\
         # stderr as CloudWatch shows them, the reply on stdout\n\
         ruchy-lambda-local invoke --bin target/release/{name} --file events/example.json\n\n\
         # Package: target/lambda/{name}/bootstrap.zip, for provided.al2023\n\
         ruchy-lambda-local package --bin target/release/{name}\n\
         ```\n\n\
         `ruchy-lambda-local` is ruchy-lambda's local Lambda. To install it:\n\n\
         ```sh\n\
         {install}\n\
         ```\n\n\
         More of it:\n\n\
         ```sh\n\
         {serve}\
         ```\n",
        install = source.install,
    )
}

/// Writes every file, creating the folders; a file that exists is never overwritten.
fn write_files(root: &Path, files: &[(&str, String)]) -> Result<(), CliError> {
    for (relative, content) in files {
        let path: PathBuf = root.join(relative);
        let failed =
            |e: std::io::Error| CliError::Failed(format!("cannot write {}: {e}", path.display()));
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(failed)?;
        }
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(failed)?;
        file.write_all(content.as_bytes()).map_err(failed)?;
    }
    Ok(())
}

const JSON_MAIN: &str = r#"//! A Lambda function: an order in, a receipt out.
//!
//! `#[ruchy_lambda::handler]` adds `fn main`, which runs the handler for every invocation;
//! the function itself stays as written, for the unit tests below.

use ruchy_lambda::Context;

/// The event, as JSON: `{"id": 7, "qty": 2}`.
#[derive(serde::Deserialize)]
struct Order {
    id: u64,
    qty: u32,
}

/// The reply, as JSON: `{"id": 7, "total": 6}`.
#[derive(serde::Serialize)]
struct Receipt {
    id: u64,
    total: u32,
}

/// An `Err` is the invocation's error:
/// `{"errorType":"String","errorMessage":"order 7 is empty"}`.
#[ruchy_lambda::handler]
fn handle(order: Order, ctx: &Context) -> Result<Receipt, String> {
    if order.qty == 0 {
        return Err(format!("order {} is empty", order.id));
    }
    // Printed lines go to the function's log (CloudWatch on Lambda).
    println!("order {} ({} items), request {}", order.id, order.qty, ctx.request_id);
    Ok(Receipt {
        id: order.id,
        total: order.qty * 3,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context::new("test-request", 0, Default::default())
    }

    #[test]
    fn totals_an_order() {
        let receipt = handle(Order { id: 7, qty: 2 }, &context()).unwrap();
        assert_eq!((receipt.id, receipt.total), (7, 6));
    }

    #[test]
    fn refuses_an_empty_order() {
        let error = handle(Order { id: 7, qty: 0 }, &context()).err();
        assert_eq!(error.as_deref(), Some("order 7 is empty"));
    }

    #[test]
    fn reads_the_example_event() {
        let order: Order = serde_json::from_str(include_str!("../events/example.json")).unwrap();
        assert_eq!((order.id, order.qty), (7, 2));
    }
}
"#;

const JSON_EVENT: &str = "{\"id\":7,\"qty\":2}\n";

const HTTP_MAIN: &str = r#"//! An HTTP function: one handler for API Gateway (REST and HTTP APIs), an Application Load
//! Balancer or a function URL, on the `http` crate's types.
//!
//! `#[ruchy_lambda::handler]` adds `fn main`, which runs the handler for every invocation;
//! the function itself stays as written, for the unit tests below.

use ruchy_lambda::http::{Body, IntoResponse, Request, RequestExt, Response, StatusCode};

#[ruchy_lambda::handler]
fn handle(request: Request<Body>) -> Response<Body> {
    match (request.method().as_str(), request.uri().path()) {
        ("GET", "/hello") => {
            let name = request.query("name").unwrap_or_else(|| "world".to_owned());
            format!("hello {name}").into_response()
        }
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str) -> Response<Body> {
        handle(Request::builder().uri(uri).body(Body::Empty).unwrap())
    }

    #[test]
    fn says_hello() {
        let response = get("/hello");
        assert_eq!(response.status(), StatusCode::OK);
        // Without an event there are no decoded query parameters: the default name.
        assert_eq!(response.body(), &Body::Text("hello world".to_owned()));
    }

    #[test]
    fn anything_else_is_not_found() {
        assert_eq!(get("/nope").status(), StatusCode::NOT_FOUND);
    }
}
"#;

/// `GET /hello?name=Ada` through an API Gateway HTTP API (payload format 2.0).
const HTTP_EVENT: &str = r#"{
  "version": "2.0",
  "routeKey": "$default",
  "rawPath": "/hello",
  "rawQueryString": "name=Ada",
  "headers": {
    "accept": "*/*",
    "host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
    "user-agent": "curl/8.5.0",
    "x-forwarded-for": "203.0.113.7",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https"
  },
  "queryStringParameters": {
    "name": "Ada"
  },
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "abcdef1234",
    "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
    "domainPrefix": "abcdef1234",
    "http": {
      "method": "GET",
      "path": "/hello",
      "protocol": "HTTP/1.1",
      "sourceIp": "203.0.113.7",
      "userAgent": "curl/8.5.0"
    },
    "requestId": "JKJaXmPLvHcESHA=",
    "routeKey": "$default",
    "stage": "$default",
    "time": "27/Nov/2026:17:00:00 +0000",
    "timeEpoch": 1795798800000
  },
  "isBase64Encoded": false
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names() {
        for good in ["orders", "my-function", "my_function_2", "_private", "a"] {
            assert!(check_crate_name(good).is_ok(), "{good}");
        }
        let long = "a".repeat(65);
        for (bad, why) in [
            ("", "it is empty"),
            ("2fast", "cannot start with a digit"),
            ("-x", "cannot start with `-`"),
            ("a b", "` ` is not allowed"),
            ("café", "`é` is not allowed"),
            ("a.b", "`.` is not allowed"),
            (long.as_str(), "65 characters"),
            ("fn", "Rust keyword"),
            ("async", "Rust keyword"),
            ("test", "built-in test library"),
            ("std", "standard library"),
            ("build", "build directory names"),
            ("CON", "reserved file name on Windows"),
        ] {
            match check_crate_name(bad) {
                Err(CliError::Usage(message)) => assert!(
                    message.starts_with(&format!("invalid crate name `{bad}`"))
                        && message.contains(why),
                    "{bad}: {message}"
                ),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn toml_strings() {
        assert_eq!(toml_string("/a/b"), "\"/a/b\"");
        assert_eq!(toml_string("C:\\a \"b\""), "\"C:\\\\a \\\"b\\\"\"");
        assert_eq!(toml_string("a\nb"), "\"a\\u000Ab\"");
    }

    #[test]
    fn the_release_profile_is_the_readme_s() {
        let readme = include_str!("../../../README.md");
        assert!(
            readme.contains(RELEASE_PROFILE),
            "README.md's [profile.release] changed: update RELEASE_PROFILE"
        );
    }

    #[test]
    fn the_cargo_lambda_template_has_the_same_crate() {
        let template = |file: &str| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../templates/cargo-lambda/template")
                .join(file);
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };
        let main = template("src/main.rs");
        assert!(main.contains(JSON_MAIN) && main.contains(HTTP_MAIN));
        let event = template("events/example.json");
        assert!(event.contains(JSON_EVENT) && event.contains(HTTP_EVENT));
        assert!(template("Cargo.toml").contains(RELEASE_PROFILE));
        assert_eq!(template(".gitignore"), "/target\n");
    }

    /// A checkout is the workspace with `ruchy-lambda` this crate is a member of; a crate
    /// unpacked alone (as `cargo install` from crates.io does) is not one, nor a checkout that
    /// lost the crate.
    #[test]
    fn the_checkout_this_command_is_built_in() {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let here = manifest_dir.parent().unwrap();
        assert_eq!(checkout_of(manifest_dir).as_deref(), Some(here));
        assert_eq!(built_in_checkout().as_deref(), Some(here));

        let scratch = std::env::temp_dir().join(format!("rll-checkout-{}", std::process::id()));
        let _ = fs::remove_dir_all(&scratch);
        let write = |path: &str, text: &str| {
            let path = scratch.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        };
        let local = scratch.join("ruchy-lambda-local");
        write("ruchy-lambda-local/Cargo.toml", "[package]\n");
        // cargo's registry: the unpacked crate has no workspace around it.
        assert_eq!(checkout_of(&local), None);
        // Another workspace, or this one without the crate.
        write(
            "Cargo.toml",
            "[workspace]\nmembers = [\"ruchy-lambda-local\"]\n",
        );
        assert_eq!(checkout_of(&local), None);
        write(
            "Cargo.toml",
            "[workspace]\nmembers = [\"ruchy-lambda\", \"ruchy-lambda-local\"]\n",
        );
        assert_eq!(checkout_of(&local), None);
        write(
            "ruchy-lambda/Cargo.toml",
            "[package]\nname = \"ruchy-lambda\"\n",
        );
        assert_eq!(checkout_of(&local).as_deref(), Some(scratch.as_path()));
        // Not a workspace manifest.
        write("Cargo.toml", "[package]\nname = \"ruchy-lambda\"\n");
        assert_eq!(checkout_of(&local), None);
        fs::remove_dir_all(&scratch).unwrap();
    }

    /// Outside a checkout, `ruchy-lambda` of this command's version, from crates.io.
    #[test]
    fn the_published_dependency() {
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            published_source("").line,
            format!("ruchy-lambda = \"{version}\"")
        );
        let http = published_source(", features = [\"http\"]");
        assert_eq!(
            http.line,
            format!("ruchy-lambda = {{ version = \"{version}\", features = [\"http\"] }}")
        );
        assert_eq!(http.install, "cargo install --locked ruchy-lambda-local");
        let manifest = manifest("orders", false, &published_source(""));
        assert!(
            manifest.contains(&format!("\n[dependencies]\nruchy-lambda = \"{version}\"\n")),
            "{manifest}"
        );
    }

    #[test]
    fn git_dependencies() {
        let source = dependency(
            &Dependency::Git {
                url: "https://example.com/r.git".into(),
                reference: Some((super::super::args::GitRef::Tag, "v0.1.0".into())),
            },
            true,
        )
        .unwrap();
        assert_eq!(
            source.line,
            r#"ruchy-lambda = { git = "https://example.com/r.git", tag = "v0.1.0", features = ["http"] }"#
        );
        assert_eq!(
            source.install,
            "cargo install --locked --git https://example.com/r.git --tag v0.1.0 ruchy-lambda-local"
        );
        let plain = dependency(
            &Dependency::Git {
                url: "https://example.com/r.git".into(),
                reference: None,
            },
            false,
        )
        .unwrap();
        assert_eq!(
            plain.line,
            r#"ruchy-lambda = { git = "https://example.com/r.git" }"#
        );
    }
}
