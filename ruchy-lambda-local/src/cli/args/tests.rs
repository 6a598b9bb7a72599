use super::*;

fn parse_str(args: &[&str]) -> Result<Command, CliError> {
    parse(args.iter().map(OsString::from))
}

/// The usage error for `args`, as printed (exit status 2).
fn usage_message(args: &[&str]) -> String {
    match parse_str(args) {
        Err(CliError::Clap(e)) if e.exit_code() == 2 => e.to_string(),
        other => panic!("expected a usage error for {args:?}, got {other:?}"),
    }
}

/// The text `--help`, `help COMMAND` or `--version` prints (exit status 0).
fn printed(args: &[&str]) -> String {
    match parse_str(args) {
        Err(CliError::Clap(e)) if e.exit_code() == 0 => e.to_string(),
        other => panic!("expected help for {args:?}, got {other:?}"),
    }
}

fn serve(args: &[&str]) -> ServeArgs {
    let args: Vec<&str> = std::iter::once("serve")
        .chain(args.iter().copied())
        .collect();
    match parse_str(&args) {
        Ok(Command::Serve(a)) => a,
        other => panic!("{args:?}: {other:?}"),
    }
}

#[test]
fn the_command_line_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn invoke_with_everything() {
    let command = parse_str(&[
        "invoke",
        "--example",
        "fibonacci",
        "--timeout",
        "10",
        "--memory=256",
        "--env",
        "A=1=2",
        "--env",
        "URL=http://x:1",
        "--name",
        "fib",
        "--json",
        "--log-format",
        "JSON",
        "--log-level=Warn",
        r#"{"n":1}"#,
        "--file",
        "e.json",
        "-",
        "--",
        "-5",
    ])
    .unwrap();
    assert_eq!(
        command,
        Command::Invoke(InvokeArgs {
            source: Source::Example {
                name: "fibonacci".into(),
                package: None
            },
            function: FunctionArgs {
                timeout_seconds: 10,
                memory_mb: 256,
                env: vec![
                    ("A".into(), "1=2".into()),
                    ("URL".into(), "http://x:1".into())
                ],
                name: Some("fib".into()),
                concurrency: 1,
                log_format: LogFormat::Json,
                log_level: Some(LogLevel::Warn),
                ..FunctionArgs::default()
            },
            events: vec![
                EventSource::Inline(r#"{"n":1}"#.into()),
                EventSource::File("e.json".into()),
                EventSource::Stdin,
                EventSource::Inline("-5".into()),
            ],
            json: true,
        })
    );
    // Events and files keep their order whichever comes first.
    match parse_str(&[
        "invoke", "--bin", "b", "--file", "a", "1", "--file", "b", "2",
    ]) {
        Ok(Command::Invoke(a)) => assert_eq!(
            a.events,
            [
                EventSource::File("a".into()),
                EventSource::Inline("1".into()),
                EventSource::File("b".into()),
                EventSource::Inline("2".into()),
            ]
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn serve_and_package_defaults() {
    assert_eq!(
        serve(&["--bin", "b"]),
        ServeArgs {
            functions: vec![ServedFunction {
                name: None,
                source: Source::Bin("b".into()),
                function: FunctionArgs::default(),
                instances: None,
                named: false,
                durable: None,
            }],
            host: "127.0.0.1".into(),
            port: 8080,
            http: None,
            stage: None,
            multi_value_headers: false,
            skip_time: false,
        }
    );
    let a = serve(&[
        "--bin",
        "b",
        "--instances",
        "4",
        "--port",
        "1",
        "--port",
        "0",
    ]);
    let f = &a.functions[0];
    assert_eq!(
        (f.instances, f.function.concurrency, a.port),
        (Some(4), 1, 0)
    );
    match parse_str(&["invoke", "--bin", "b", "--concurrency", "8", "1", "2"]).unwrap() {
        Command::Invoke(a) => assert_eq!((a.function.concurrency, a.events.len()), (8, 2)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        parse_str(&[
            "package",
            "--example",
            "minimal",
            "-p",
            "ex",
            "--target",
            "aarch64-unknown-linux-gnu"
        ])
        .unwrap(),
        Command::Package(PackageArgs {
            source: Source::Example {
                name: "minimal".into(),
                package: Some("ex".into())
            },
            target: Some("aarch64-unknown-linux-gnu".into()),
            name: None,
            output_dir: None,
        })
    );
}

#[test]
fn log_format_and_level() {
    let f = &serve(&["--bin", "b", "--log-format", "json"]).functions[0].function;
    assert_eq!((f.log_format, f.log_level), (LogFormat::Json, None));
    match parse_str(&["invoke", "--bin", "b", "--log-format=text"]).unwrap() {
        Command::Invoke(a) => assert_eq!(a.function.log_format, LogFormat::Text),
        other => panic!("{other:?}"),
    }
    for level in ["trace", "DEBUG", "Info", "warn", "error", "fatal"] {
        let a = serve(&["--bin", "b", "--log-format", "json", "--log-level", level]);
        assert_eq!(a.functions[0].function.log_level, level.parse().ok());
    }
    let cases: [(&[&str], &str); 5] = [
        (
            &["invoke", "--bin", "b", "--log-format", "yaml"],
            "'--log-format <FORMAT>': must be `text` or `json`, not `yaml`",
        ),
        (
            &[
                "serve",
                "--bin",
                "b",
                "--log-format",
                "json",
                "--log-level",
                "warning",
            ],
            "'--log-level <LEVEL>': must be one of trace, debug, info, warn, error, fatal, \
             not `warning`",
        ),
        (
            &["invoke", "--bin", "b", "--log-level", "warn"],
            "error: `--log-level` needs `--log-format json`",
        ),
        (
            &[
                "invoke",
                "--bin",
                "b",
                "--log-format",
                "text",
                "--log-level",
                "warn",
            ],
            "error: `--log-level` needs `--log-format json`",
        ),
        (
            &["package", "--bin", "b", "--log-format", "json"],
            "error: unexpected argument '--log-format' found",
        ),
    ];
    for (args, message) in cases {
        let got = usage_message(args);
        assert!(got.contains(message), "{args:?}: {got}");
    }
    assert!(
        usage_message(&["invoke", "--bin", "b", "--log-level"])
            .contains("a value is required for '--log-level <LEVEL>'")
    );
    for command in ["invoke", "serve"] {
        let help = printed(&[command, "--help"]);
        assert!(help.contains("--log-format <FORMAT>") && help.contains("--log-level <LEVEL>"));
    }
}

#[test]
fn help_and_version() {
    let overview = printed(&["--help"]);
    assert!(overview.starts_with("ruchy-lambda-local: a local AWS Lambda"));
    for command in ["invoke", "serve", "package", "new", "help"] {
        assert!(overview.contains(&format!("\n  {command} ")), "{overview}");
    }
    assert!(overview.contains("Exit status: 0 on success"));
    assert_eq!(
        printed(&["-V"]),
        concat!("ruchy-lambda-local ", env!("CARGO_PKG_VERSION"), "\n")
    );
    for args in [
        &["help", "serve"][..],
        &["serve", "--help"],
        &["serve", "-h"],
    ] {
        let help = printed(args);
        assert!(
            help.contains("Usage: ruchy-lambda-local serve (--example NAME")
                && help.contains("Several functions: `--function NAME=SOURCE`"),
            "{args:?}: {help}"
        );
    }
    // The long explanations stay: after the usage, before the options.
    let invoke = printed(&["invoke", "--help"]);
    let usage = invoke.find("Usage:").unwrap();
    let notes = invoke.find("Each invocation prints on stderr").unwrap();
    let options = invoke.find("--timeout <SECONDS>").unwrap();
    assert!(usage < notes && notes < options, "{invoke}");
    assert!(invoke.contains("Ruchy handlers:") && invoke.contains("Examples:"));
    assert!(printed(&["package", "-h"]).contains("target/lambda/NAME-arm64/bootstrap.zip"));
    // Laid out for 100 columns, in both the short and the long help.
    for command in ["invoke", "serve", "package", "new"] {
        for flag in ["-h", "--help"] {
            let help = printed(&[command, flag]);
            let long = help.lines().find(|l| l.chars().count() > 100);
            assert_eq!(long, None, "{command} {flag}");
        }
    }
    let overview = printed(&["-h"]);
    assert_eq!(overview.lines().find(|l| l.chars().count() > 100), None);
    assert!(
        usage_message(&["package", "--bogus", "-h"]).contains("'--bogus'"),
        "an unknown option is reported even with --help after it"
    );
}

#[test]
fn bad_input_is_a_usage_error() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "requires a subcommand"),
        (&["deploy"], "unrecognized subcommand 'deploy'"),
        (&["invok"], "a similar subcommand exists: 'invoke'"),
        (
            &["invoke", "--bin"],
            "a value is required for '--bin <PATH>'",
        ),
        (
            &["invoke", "--bin", "b", "--frobnicate"],
            "unexpected argument '--frobnicate'",
        ),
        (
            &["invoke", "--bin", "b", "--timout", "3"],
            "a similar argument exists: '--timeout'",
        ),
        (
            &["invoke", "--bin", "b", "--port", "1"],
            "unexpected argument '--port'",
        ),
        (&["serve", "--bin", "b", "{}"], "unexpected argument '{}'"),
        (
            &["package", "--bin", "b", "--timeout", "3"],
            "unexpected argument '--timeout'",
        ),
        (&["invoke"], "which function?"),
        (&["serve"], "which function?"),
        (
            &["invoke", "--bin", "b", "--example", "e"],
            "'--bin <PATH>' cannot be used with '--example <NAME>'",
        ),
        (
            &["invoke", "--ruchy", "f.ruchy", "--bin", "b"],
            "'--ruchy <FILE>' cannot be used with '--bin <PATH>'",
        ),
        (
            &["invoke", "--ruchy", "f.ruchy", "-p", "x"],
            "`--package` goes with",
        ),
        (
            &["invoke", "--bin", "b", "--timeout", "0"],
            "'--timeout <SECONDS>': must be a whole number from 1 to 900, not `0`",
        ),
        (
            &["invoke", "--bin", "b", "--timeout", "901"],
            "from 1 to 900",
        ),
        (
            &["invoke", "--bin", "b", "--timeout", "1.5"],
            "whole number",
        ),
        (
            &["invoke", "--bin", "b", "--memory", "64"],
            "'--memory <MB>': must be a whole number from 128 to 10240",
        ),
        (
            &["invoke", "--bin", "b", "--env", "NOEQUALS"],
            "'--env <KEY=VALUE>': takes `KEY=VALUE`, not `NOEQUALS`",
        ),
        (
            &["invoke", "--bin", "b", "--env", "=x"],
            "takes `KEY=VALUE`",
        ),
        (
            &["invoke", "--bin", "b", "--name", "a/b"],
            "'--name <NAME>': invalid function name `a/b`",
        ),
        (&["invoke", "--bin", "b", "-", "-"], "may be given once"),
        (
            &["invoke", "--bin", "b", "--json=yes"],
            "unexpected value 'yes' for '--json'",
        ),
        (
            &["invoke", "--example", ""],
            "'--example <NAME>': needs a non-empty value",
        ),
        (
            &["serve", "--bin", "b", "--port", "70000"],
            "'--port <PORT>': 70000 is not in 0..=65535",
        ),
        (
            &["package", "--bin", "b", "--target", "x"],
            "`--target` goes with `--example`",
        ),
        (
            &["invoke", "--example", "a", "--example", "b"],
            "'--example <NAME>' cannot be used multiple times",
        ),
        (
            &["invoke", "--bin", "b", "--concurrency", "0"],
            "'--concurrency <N>': must be a whole number from 1 to 1024, not `0`",
        ),
        (
            &["serve", "--bin", "b", "--concurrency", "1025"],
            "from 1 to 1024",
        ),
        (
            &["serve", "--bin", "b", "--instances", "0"],
            "'--instances <N>': must be a whole number from 1 to 1024",
        ),
        (
            &["invoke", "--bin", "b", "--instances", "2"],
            "unexpected argument '--instances'",
        ),
        (
            &[
                "serve",
                "--bin",
                "b",
                "--instances",
                "2",
                "--concurrency",
                "2",
            ],
            "not both",
        ),
    ];
    for (args, expected) in cases {
        let message = usage_message(args);
        assert!(
            message.starts_with("error: ") && message.contains(expected),
            "{args:?}: `{message}` should contain `{expected}`"
        );
    }
    // A rule checked after clap's shows the command's usage, as clap's own errors do.
    assert!(
        usage_message(&["invoke", "--bin", "b", "-", "-"])
            .contains("Usage: ruchy-lambda-local invoke (--example NAME")
    );
}

#[test]
fn http_fronts() {
    let a = serve(&["--bin", "b", "--http", "apigw-v1", "--stage", "v2"]);
    assert_eq!(a.http, Some((0, Front::ApiGatewayV1)));
    assert_eq!(a.stage.as_deref(), Some("v2"));
    assert!(!a.multi_value_headers);
    let a = serve(&["--bin", "b", "--http=alb", "--multi-value-headers"]);
    assert!(a.http == Some((0, Front::Alb)) && a.multi_value_headers);
    for (args, message) in [
        (
            &["serve", "--bin", "b", "--http", "rest"][..],
            "'--http <[NAME:]FRONT>': must be one of apigw-v2, apigw-v1, alb, url, not `rest`",
        ),
        (
            &["serve", "--bin", "b", "--http", "url", "--stage", "x"],
            "error: `--stage` goes with `--http apigw-v1`",
        ),
        (
            &["serve", "--bin", "b", "--multi-value-headers"],
            "error: `--multi-value-headers` goes with `--http alb`",
        ),
        (
            &[
                "serve", "--bin", "b", "--http", "apigw-v1", "--stage", "a/b",
            ],
            "'--stage <NAME>': takes letters, digits, `-` and `_`, not `a/b`",
        ),
        (
            &["invoke", "--bin", "b", "--http", "url"],
            "unexpected argument '--http'",
        ),
        (
            &["serve", "--bin", "b", "--http", "url", "--http", "alb"],
            "'--http <[NAME:]FRONT>' cannot be used multiple times",
        ),
    ] {
        let got = usage_message(args);
        assert!(got.contains(message), "{args:?}: {got}");
    }
    let help = printed(&["serve", "--help"]);
    assert!(help.contains("--http <[NAME:]FRONT>") && help.contains("--stage <NAME>"));
}

#[test]
fn stream_options() {
    let a = serve(&[
        "--bin",
        "b",
        "--max-stream-bytes",
        "1000",
        "--stream-bandwidth",
        "500:100",
    ]);
    let f = &a.functions[0].function;
    assert_eq!(f.max_stream_bytes, 1000);
    assert_eq!(
        f.stream_bandwidth,
        Some(StreamBandwidth {
            burst_bytes: 100,
            bytes_per_second: 500
        })
    );
    match parse_str(&["invoke", "--bin", "b", "--stream-bandwidth", "lambda"]).unwrap() {
        Command::Invoke(a) => {
            assert_eq!(a.function.stream_bandwidth, Some(StreamBandwidth::LAMBDA))
        }
        other => panic!("{other:?}"),
    }
    assert!(
        usage_message(&["invoke", "--bin", "b", "--stream-bandwidth", "fast"])
            .contains("`lambda`, `RATE` or `RATE:BURST`")
    );
    assert!(
        usage_message(&["invoke", "--bin", "b", "--max-stream-bytes", "0"])
            .contains("0 is not in 1..=209715200")
    );
    for command in ["invoke", "serve"] {
        let help = printed(&[command, "--help"]);
        assert!(help.contains("--max-stream-bytes <N>") && help.contains("--stream-bandwidth"));
    }
}

#[test]
fn lifecycle_options() {
    for command in ["invoke", "serve"] {
        let args = [
            command,
            "--bin",
            "b",
            "--snap-start",
            "--restore-pause",
            "200",
            "--shutdown-budget=300",
        ];
        let function = match parse_str(&args).unwrap() {
            Command::Invoke(a) => a.function,
            Command::Serve(mut a) => a.functions.remove(0).function,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            (
                function.snap_start,
                function.restore_pause_ms,
                function.shutdown_budget_ms
            ),
            (true, 200, 300)
        );
    }
    let defaults = FunctionArgs::default();
    assert_eq!(
        (
            defaults.snap_start,
            defaults.restore_pause_ms,
            defaults.shutdown_budget_ms
        ),
        (false, 50, 500)
    );
    for (args, message) in [
        (
            &["invoke", "--bin", "b", "--restore-pause", "10"][..],
            "error: `--restore-pause` goes with `--snap-start`",
        ),
        (
            &["invoke", "--bin", "b", "--shutdown-budget", "2001"],
            "'--shutdown-budget <MS>': 2001 is not in 0..=2000",
        ),
        (
            &[
                "serve",
                "--bin",
                "b",
                "--snap-start",
                "--restore-pause",
                "x",
            ],
            "invalid value 'x' for '--restore-pause <MS>'",
        ),
        (
            &["invoke", "--bin", "b", "--restore-pause", "60001"],
            "60001 is not in 0..=60000",
        ),
        (
            &["package", "--bin", "b", "--snap-start"],
            "unexpected argument '--snap-start'",
        ),
        (
            &["invoke", "--bin", "b", "--snap-start=yes"],
            "unexpected value 'yes' for '--snap-start'",
        ),
    ] {
        let got = usage_message(args);
        assert!(got.contains(message), "{args:?}: {got}");
    }
    for command in ["invoke", "serve"] {
        let help = printed(&[command, "--help"]);
        assert!(
            help.contains("--snap-start")
                && help.contains("--restore-pause <MS>")
                && help.contains("--shutdown-budget <MS>")
        );
    }
}

#[test]
fn availability_zone_id() {
    for command in ["invoke", "serve"] {
        let function = |args: &[&str]| {
            let args: Vec<&str> = [command, "--bin", "b"]
                .iter()
                .chain(args)
                .copied()
                .collect();
            match parse_str(&args).unwrap() {
                Command::Invoke(a) => a.function,
                Command::Serve(mut a) => a.functions.remove(0).function,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(function(&[]).availability_zone_id, None);
        assert_eq!(
            function(&["--availability-zone-id", "euw1-az3"]).availability_zone_id,
            Some("euw1-az3".to_owned())
        );
        let help = printed(&[command, "--help"]);
        assert!(help.contains("--availability-zone-id <ID>"), "{help}");
        assert!(help.contains("AWS_LAMBDA_METADATA_TOKEN"), "{help}");
    }
    // One function's own zone, over the one for all.
    let a = serve(&[
        "--function",
        "a=bin:./a",
        "--function",
        "b=bin:./b",
        "--availability-zone-id",
        "use1-az2",
        "--availability-zone-id",
        "b:use1-az6",
    ]);
    let zones: Vec<_> = (a.functions.iter())
        .map(|f| f.function.availability_zone_id.as_deref())
        .collect();
    assert_eq!(zones, [Some("use1-az2"), Some("use1-az6")]);
    for (args, message) in [
        (
            &[
                "invoke",
                "--bin",
                "b",
                "--availability-zone-id",
                "us-east-1a",
            ][..],
            "'--availability-zone-id <ID>': must be an Availability Zone ID (a region's code, \
             `-az`, a number, e.g. use1-az1), not `us-east-1a`",
        ),
        (
            &["serve", "--bin", "b", "--availability-zone-id", ""],
            "not ``",
        ),
        (
            &[
                "serve",
                "--function",
                "a=bin:./a",
                "--availability-zone-id",
                "c:use1-az1",
            ],
            "`--availability-zone-id c:…`: no function is named `c`",
        ),
        (
            &[
                "package",
                "--bin",
                "b",
                "--availability-zone-id",
                "use1-az1",
            ],
            "unexpected argument '--availability-zone-id'",
        ),
    ] {
        let got = usage_message(args);
        assert!(got.contains(message), "{args:?}: {got}");
    }
}

#[test]
fn new_crates() {
    assert_eq!(
        parse_str(&["new", "orders"]).unwrap(),
        Command::New(NewArgs {
            path: "orders".into(),
            http: false,
            dependency: Dependency::Checkout,
        })
    );
    assert_eq!(
        parse_str(&["new", "--http", "a/api", "--path", "../rl"]).unwrap(),
        Command::New(NewArgs {
            path: "a/api".into(),
            http: true,
            dependency: Dependency::Path("../rl".into()),
        })
    );
    assert_eq!(
        parse_str(&["new", "api", "--git", "https://x/r.git", "--branch=main"]).unwrap(),
        Command::New(NewArgs {
            path: "api".into(),
            http: false,
            dependency: Dependency::Git {
                url: "https://x/r.git".into(),
                reference: Some((GitRef::Branch, "main".into())),
            },
        })
    );
    assert!(printed(&["new", "--help"]).contains("--git <URL>"));
    assert!(printed(&["help", "new"]).contains("Usage: ruchy-lambda-local new NAME"));
    for (args, message) in [
        (
            &["new"][..],
            "the following required arguments were not provided:\n  <NAME>",
        ),
        (&["new", "a", "b"], "unexpected argument 'b'"),
        (
            &["new", "a", "--path", "p", "--git", "u"],
            "'--path <DIR>' cannot be used with '--git <URL>'",
        ),
        (
            &["new", "a", "--tag", "v1"],
            "the following required arguments were not provided:\n  --git <URL>",
        ),
        (
            &["new", "a", "--git", "u", "--rev", "1", "--tag", "v1"],
            "'--rev <REV>' cannot be used with '--tag <NAME>'",
        ),
        (&["new", "a", "--bin", "b"], "unexpected argument '--bin'"),
        (
            &["new", "a", "--git"],
            "a value is required for '--git <URL>'",
        ),
    ] {
        let got = usage_message(args);
        assert!(got.contains(message), "{args:?}: {got}");
    }
}

#[test]
fn function_names() {
    assert!(check_function_name("my-function_2").is_ok());
    assert!(check_function_name(&"a".repeat(64)).is_ok());
    for bad in ["", "a b", "../x", "é", "a:b", &"a".repeat(65)] {
        assert!(check_function_name(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn several_functions() {
    let a = serve(&[
        "--function",
        "orders=example:orders",
        "-p",
        "shop",
        "--function",
        "auth=bin:./auth",
        "--function=report=ruchy:report.ruchy",
        "--timeout",
        "5",
        "--timeout",
        "orders:10",
        "--memory",
        "auth:256",
        "--env",
        "LOG=debug",
        "--env",
        "auth:MODE=strict",
        "--env",
        "auth:LOG=trace",
        "--env",
        "URL=http://x:1",
        "--concurrency",
        "report:4",
        "--instances",
        "orders:2",
        "--instances",
        "auth:3",
        "--log-format",
        "auth:json",
        "--log-level",
        "auth:warn",
        "--snap-start",
    ]);
    let names: Vec<_> = a.functions.iter().map(|f| f.name.as_deref()).collect();
    assert_eq!(names, [Some("orders"), Some("auth"), Some("report")]);
    assert!(
        a.functions
            .iter()
            .all(|f| f.named && f.function.name == f.name)
    );
    let [orders, auth, report] = &a.functions[..] else {
        panic!("{a:?}")
    };
    assert_eq!(
        orders.source,
        Source::Example {
            name: "orders".into(),
            package: Some("shop".into())
        }
    );
    assert_eq!(auth.source, Source::Bin("./auth".into()));
    assert_eq!(report.source, Source::Ruchy("report.ruchy".into()));
    let timeouts: Vec<_> = a
        .functions
        .iter()
        .map(|f| f.function.timeout_seconds)
        .collect();
    assert_eq!(timeouts, [10, 5, 5]);
    let memory: Vec<_> = a.functions.iter().map(|f| f.function.memory_mb).collect();
    assert_eq!(memory, [128, 256, 128]);
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    assert_eq!(
        orders.function.env,
        [pair("LOG", "debug"), pair("URL", "http://x:1")]
    );
    assert_eq!(
        auth.function.env,
        [
            pair("LOG", "debug"),
            pair("URL", "http://x:1"),
            pair("MODE", "strict"),
            pair("LOG", "trace")
        ]
    );
    assert_eq!((report.function.concurrency, report.instances), (4, None));
    assert_eq!(orders.function.concurrency, 1);
    assert_eq!(
        (orders.instances, auth.instances),
        (Some(2), Some(3)),
        "{a:?}"
    );
    assert_eq!(
        (auth.function.log_format, auth.function.log_level),
        (LogFormat::Json, Some(LogLevel::Warn))
    );
    assert_eq!(orders.function.log_format, LogFormat::Text);
    assert!(a.functions.iter().all(|f| f.function.snap_start));
    assert_eq!(a.http, None);
}

#[test]
fn several_functions_and_http() {
    let two = ["--function", "a=bin:x", "--function", "b=bin:y"];
    let with = |more: &[&'static str]| -> Vec<&'static str> { [&two[..], more].concat() };
    assert_eq!(
        serve(&with(&["--http", "b:apigw-v1", "--stage", "v1"])).http,
        Some((1, Front::ApiGatewayV1))
    );
    assert_eq!(
        serve(&["--function", "a=bin:x", "--http", "url"]).http,
        Some((0, Front::FunctionUrl))
    );
    assert_eq!(
        serve(&["--function", "a=bin:x", "--http", "a:url"]).http,
        Some((0, Front::FunctionUrl))
    );
    // The single function of `--bin` answers to the name `--name` gives it.
    let a = serve(&[
        "--bin",
        "x",
        "--name",
        "fn",
        "--http",
        "fn:alb",
        "--timeout",
        "fn:9",
    ]);
    assert_eq!(a.http, Some((0, Front::Alb)));
    assert_eq!(a.functions[0].function.timeout_seconds, 9);
    assert!(!a.functions[0].named);
    let message = |more: &[&'static str]| {
        let args: Vec<&str> = ["serve"].iter().copied().chain(with(more)).collect();
        usage_message(&args)
    };
    assert!(message(&["--http", "url"]).contains(
        "`--http url` with several functions: say which one serves it, \
             `--http NAME:url`"
    ));
    assert!(message(&["--http", "c:url"]).contains("`--http c:…`: no function is named `c`"));
    assert!(
        message(&["--http", "a:url", "--stage", "v1"])
            .contains("`--stage` goes with `--http apigw-v1`")
    );
}

#[test]
fn several_functions_refused() {
    for (args, message) in [
        (
            &["serve", "--function", "a=bin:x", "--function", "a=bin:y"][..],
            "`--function a=…` given twice",
        ),
        (
            &["serve", "--function", "a=bin:x", "--bin", "y"],
            "'--function <NAME=SOURCE>' cannot be used with '--bin <PATH>'",
        ),
        (
            &["serve", "--function", "a=bin:x", "--example", "y"],
            "cannot be used with",
        ),
        (
            &["serve", "--function", "a=bin:x", "--ruchy", "y"],
            "cannot be used with",
        ),
        (
            &["serve", "--function", "a=bin:x", "--name", "y"],
            "'--function <NAME=SOURCE>' cannot be used with '--name <NAME>'",
        ),
        (
            &["serve", "--function", "a/b=bin:x"],
            "'--function <NAME=SOURCE>': invalid function name `a/b`",
        ),
        (
            &["serve", "--function", "bin:x"],
            "takes `NAME=example:NAME`, `NAME=bin:PATH` or `NAME=ruchy:FILE`, not `bin:x`",
        ),
        (
            &["serve", "--function", "a=lib:x"],
            "the source of `a` must be `example:NAME`, `bin:PATH` or `ruchy:FILE`, \
             not `lib:x`",
        ),
        (&["serve", "--function", "a=example:"], "the source of `a`"),
        (
            &["serve", "--function", "a=bin:x", "-p", "pkg"],
            "`--package` goes with `--example` or `--function NAME=example:…`",
        ),
        (
            &["serve", "--function", "a=bin:x", "--timeout", "b:3"],
            "`--timeout b:…`: no function is named `b`",
        ),
        (
            &["serve", "--function", "a=bin:x", "--env", "b:K=V"],
            "`--env b:…`: no function is named `b`",
        ),
        (
            &["serve", "--function", "a=bin:x", "--instances", "b:2"],
            "`--instances b:…`: no function is named `b`",
        ),
        (
            &["serve", "--bin", "x", "--memory", "x:256"],
            "`--memory x:…`: no function is named `x`",
        ),
        (
            &[
                "invoke",
                "--bin",
                "x",
                "--name",
                "f",
                "--concurrency",
                "g:2",
            ],
            "`--concurrency g:…`: no function is named `g`",
        ),
        (
            &["serve", "--function", "a=bin:x", "--timeout", "a:0"],
            "'--timeout <SECONDS>': must be a whole number from 1 to 900, not `0`",
        ),
        (
            &["serve", "--function", "a=bin:x", "--timeout", "a/b:3"],
            "invalid function name `a/b`",
        ),
        (
            &[
                "serve",
                "--function",
                "a=bin:x",
                "--function",
                "b=bin:y",
                "--instances",
                "a:2",
                "--concurrency",
                "a:2",
            ],
            "(one process, N invocations at once) for `a`, not both",
        ),
        (
            &[
                "serve",
                "--function",
                "a=bin:x",
                "--function",
                "b=bin:y",
                "--log-format",
                "a:json",
                "--log-level",
                "warn",
            ],
            "`--log-level` needs `--log-format json` (function `b`)",
        ),
    ] {
        let got = usage_message(args);
        assert!(got.contains(message), "{args:?}: {got}");
    }
    // Per function, the rules between options hold for each: these are fine.
    let a = serve(&[
        "--function",
        "a=bin:x",
        "--function",
        "b=bin:y",
        "--instances",
        "a:2",
        "--concurrency",
        "b:2",
    ]);
    let got: Vec<_> = a
        .functions
        .iter()
        .map(|f| (f.instances, f.function.concurrency))
        .collect();
    assert_eq!(got, [(Some(2), 1), (None, 2)]);
}

mod durable;
