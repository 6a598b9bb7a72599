//! Lambda's advanced logging controls: the log format (`AWS_LAMBDA_LOG_FORMAT`) and the
//! application log level (`AWS_LAMBDA_LOG_LEVEL`), and how CloudWatch filters a function's lines
//! by level in the JSON format.
//!
//! As the Lambda documentation ("Log-level filtering") describes it, in the JSON format every
//! line a function writes to stdout or stderr gets a level: the `"level"` of a line that is a
//! JSON object with a `"level"` naming one of `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`
//! (in any case), and `INFO` for every other line — plain text, JSON that is not an object, an
//! object without a `"level"`, or with one that is not such a name. Lines below the function's
//! application log level are dropped; the others are passed on unchanged. So with the level at
//! `WARN`, a plain-text line (an `INFO` one) is dropped too; at `INFO`, the default, only `TRACE`
//! and `DEBUG` records are.

use std::fmt;
use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;

use crate::sandbox::{Output, OutputLine, Stream};

/// The function's log format: `AWS_LAMBDA_LOG_FORMAT`, and the shape of Lambda's own records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LogFormat {
    /// `Text` (Lambda's default): `START`, `END` and `REPORT` lines; the function's lines are
    /// passed on as they are.
    #[default]
    Text,
    /// `JSON`: Lambda's records are JSON (`platform.start`, `platform.report`), and the
    /// function's lines are filtered by level.
    Json,
}

impl LogFormat {
    /// The value of `AWS_LAMBDA_LOG_FORMAT`, as Lambda's API spells it: `Text` or `JSON`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "Text",
            LogFormat::Json => "JSON",
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LogFormat {
    type Err = ParseLogError;

    /// `text` or `json`, in any case.
    fn from_str(s: &str) -> Result<LogFormat, ParseLogError> {
        if s.eq_ignore_ascii_case("text") {
            Ok(LogFormat::Text)
        } else if s.eq_ignore_ascii_case("json") {
            Ok(LogFormat::Json)
        } else {
            Err(ParseLogError(()))
        }
    }
}

/// An application log level, from the most detailed to the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum LogLevel {
    /// `TRACE`
    Trace,
    /// `DEBUG`
    Debug,
    /// `INFO`: Lambda's default application log level, and the level of a line that names none.
    #[default]
    Info,
    /// `WARN`
    Warn,
    /// `ERROR`
    Error,
    /// `FATAL`
    Fatal,
}

impl LogLevel {
    /// Every level, from the most detailed to the least.
    pub const ALL: [LogLevel; 6] = [
        LogLevel::Trace,
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
        LogLevel::Fatal,
    ];

    /// The level's name as Lambda spells it: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Fatal => "FATAL",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LogLevel {
    type Err = ParseLogError;

    /// A level's name in any case: `warn`, `WARN`, `Warn`. Other names (`WARNING`, `CRITICAL`)
    /// are not levels to Lambda.
    fn from_str(s: &str) -> Result<LogLevel, ParseLogError> {
        LogLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
            .ok_or(ParseLogError(()))
    }
}

/// A log format or level name that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLogError(());

impl fmt::Display for ParseLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "not a log format (text, json) or level (trace, debug, info, warn, error, fatal)",
        )
    }
}

impl std::error::Error for ParseLogError {}

/// The level Lambda gives a line the function wrote, in the JSON format: the `"level"` of a JSON
/// object naming a level (in any case), else [`LogLevel::Info`].
pub fn line_level(line: &str) -> LogLevel {
    #[derive(serde::Deserialize)]
    struct Probe {
        level: Option<serde_json::Value>,
    }
    let text = line.trim();
    // Only an object can carry a level (and a struct would also accept a JSON array).
    if !text.starts_with('{') {
        return LogLevel::Info;
    }
    match serde_json::from_str::<Probe>(text) {
        Ok(Probe {
            level: Some(serde_json::Value::String(name)),
        }) => name.parse().unwrap_or(LogLevel::Info),
        _ => LogLevel::Info,
    }
}

/// Whether CloudWatch keeps `line` when the function's application log level is `level` (JSON
/// format): whether [`line_level`] is `level` or less detailed.
pub fn keeps(line: &str, level: LogLevel) -> bool {
    line_level(line) >= level
}

/// The output a function's runtime gets once the log settings apply: in the JSON format, its
/// lines filtered by `level` (see [`keeps`]) before they reach `output` — [`Output::Inherit`]
/// becomes lines written to this process's stdout and stderr; in the Text format, `output`.
pub(crate) fn filtered(output: &Output, format: LogFormat, level: LogLevel) -> Output {
    if format == LogFormat::Text {
        return output.clone();
    }
    match output {
        Output::Null => Output::Null,
        Output::Lines(sink) => {
            let sink = Arc::clone(sink);
            Output::lines(move |line: OutputLine| {
                if keeps(&line.text, level) {
                    sink(line);
                }
            })
        }
        Output::Inherit => Output::lines(move |line: OutputLine| {
            if !keeps(&line.text, level) {
                return;
            }
            // Written whole, one line at a time; a closed stream is not worth stopping for.
            let _ = match line.stream {
                Stream::Stdout => writeln!(std::io::stdout().lock(), "{}", line.text),
                Stream::Stderr => writeln!(std::io::stderr().lock(), "{}", line.text),
            };
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_in_any_case() {
        for level in LogLevel::ALL {
            assert_eq!(level.as_str().parse(), Ok(level));
            assert_eq!(level.as_str().to_lowercase().parse(), Ok(level));
        }
        assert_eq!("Warn".parse(), Ok(LogLevel::Warn));
        for bad in ["", "warning", "critical", "verbose", " info", "off"] {
            assert!(bad.parse::<LogLevel>().is_err(), "{bad:?}");
        }
        assert_eq!("JSON".parse(), Ok(LogFormat::Json));
        assert_eq!("json".parse(), Ok(LogFormat::Json));
        assert_eq!("Text".parse(), Ok(LogFormat::Text));
        assert!("yaml".parse::<LogFormat>().is_err());
        assert_eq!(LogFormat::Json.as_str(), "JSON");
        assert_eq!(LogFormat::Text.to_string(), "Text");
        assert_eq!(LogFormat::default(), LogFormat::Text);
        assert_eq!(LogLevel::default(), LogLevel::Info);
        assert!(LogLevel::Trace < LogLevel::Debug && LogLevel::Error < LogLevel::Fatal);
    }

    #[test]
    fn a_record_has_the_level_it_names_in_any_case() {
        let cases = [
            (r#"{"level":"TRACE","message":"t"}"#, LogLevel::Trace),
            (
                r#"{"level": "debug", "msg": "my debug log"}"#,
                LogLevel::Debug,
            ),
            (
                r#"{"timestamp":"2026-11-27T17:00:00.123Z","level":"INFO","requestId":"r","message":"m"}"#,
                LogLevel::Info,
            ),
            (r#"{"message":"m","level":"Warn"}"#, LogLevel::Warn),
            (r#"  {"level":"error"}  "#, LogLevel::Error),
            (
                r#"{"level":"FATAL","nested":{"level":"debug"}}"#,
                LogLevel::Fatal,
            ),
        ];
        for (line, level) in cases {
            assert_eq!(line_level(line), level, "{line}");
        }
    }

    #[test]
    fn every_other_line_is_info() {
        let lines = [
            "plain text",
            "2026-11-27T17:00:00.123Z\tabc\tDEBUG\tmessage",
            "",
            "[1]",
            r#"["level","debug"]"#,
            r#""x""#,
            "42",
            "null",
            r#"{"message":"no level"}"#,
            r#"{"level":5}"#,
            r#"{"level":null}"#,
            r#"{"level":["debug"]}"#,
            r#"{"level":"warning"}"#,
            r#"{"level":"critical"}"#,
            r#"{"level":"debug""#,
            r#"{"level":"debug"} trailing"#,
            "{",
        ];
        for line in lines {
            assert_eq!(line_level(line), LogLevel::Info, "{line:?}");
        }
    }

    #[test]
    fn lines_below_the_level_are_dropped() {
        let debug = r#"{"level":"DEBUG","message":"d"}"#;
        let info = r#"{"level":"info","message":"i"}"#;
        let warn = r#"{"level":"WARN","message":"w"}"#;
        let error = r#"{"level":"ERROR","message":"e"}"#;
        // At INFO (the default): only TRACE and DEBUG records go.
        assert!(!keeps(debug, LogLevel::Info));
        for line in [info, warn, error, "plain", "[1]", r#"{"level":7}"#, "{oops"] {
            assert!(keeps(line, LogLevel::Info), "{line}");
        }
        // At WARN: lines without a level are INFO ones, and go with the INFO records.
        for line in [
            debug,
            info,
            "plain",
            "[1]",
            r#""x""#,
            r#"{"level":7}"#,
            "{oops",
        ] {
            assert!(!keeps(line, LogLevel::Warn), "{line}");
        }
        assert!(keeps(warn, LogLevel::Warn) && keeps(error, LogLevel::Warn));
        // At TRACE everything is kept; at FATAL only FATAL records.
        for line in [debug, info, warn, error, "plain"] {
            assert!(keeps(line, LogLevel::Trace), "{line}");
            assert!(!keeps(line, LogLevel::Fatal), "{line}");
        }
        assert!(keeps(r#"{"level":"fatal"}"#, LogLevel::Fatal));
    }

    #[test]
    fn only_the_json_format_filters() {
        let (lines, got) = std::sync::mpsc::channel();
        let sink = Output::lines(move |l| {
            let _ = lines.send(l.text);
        });
        let line = |text: &str| OutputLine {
            stream: Stream::Stderr,
            text: text.to_owned(),
        };
        let Output::Lines(text) = filtered(&sink, LogFormat::Text, LogLevel::Fatal) else {
            panic!("lines stay lines");
        };
        text(line(r#"{"level":"debug"}"#));
        let Output::Lines(json) = filtered(&sink, LogFormat::Json, LogLevel::Warn) else {
            panic!("lines stay lines");
        };
        for l in [r#"{"level":"debug"}"#, "plain", r#"{"level":"warn"}"#] {
            json(line(l));
        }
        assert_eq!(
            got.try_iter().collect::<Vec<_>>(),
            [r#"{"level":"debug"}"#, r#"{"level":"warn"}"#]
        );
        assert!(matches!(
            filtered(&Output::Null, LogFormat::Json, LogLevel::Info),
            Output::Null
        ));
        assert!(matches!(
            filtered(&Output::Inherit, LogFormat::Json, LogLevel::Info),
            Output::Lines(_)
        ));
        assert!(matches!(
            filtered(&Output::Inherit, LogFormat::Text, LogLevel::Info),
            Output::Inherit
        ));
    }
}
