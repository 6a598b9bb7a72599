//! Log records the way Lambda reads them: the format and level Lambda sets, the request id of the
//! invocation the calling worker is running, and exact UTC timestamps.
//!
//! Lambda's advanced logging controls set `AWS_LAMBDA_LOG_FORMAT` (`Text` or `JSON`) and
//! `AWS_LAMBDA_LOG_LEVEL` (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`) for every runtime.
//! A record is one line on stderr:
//!
//! - Text, the layout of Lambda's managed runtimes (tab-separated; a newline inside the message
//!   becomes a carriage return, so that CloudWatch keeps the record as one event):
//!   `2026-11-27T17:00:00.123Z\t8476a536-e9f4-11e8-9739-2dfe598c3fcd\tINFO\tthe message`;
//!   outside an invocation the request id column is empty.
//! - JSON, one object per line, every string escaped, multi-line messages in one record:
//!   `{"timestamp":"2026-11-27T17:00:00.123Z","level":"INFO","requestId":"8476a536-…","message":"the message"}`
//!   (no `requestId` outside an invocation), then the record's fields.
//!
//! A record below the level is dropped before anything is formatted ([`enabled`]). The level is
//! `AWS_LAMBDA_LOG_LEVEL` in any case; without it, the bare level of `RUST_LOG` (`RUST_LOG=debug`,
//! or `RUST_LOG=debug,hyper=warn`, whose `target=level` directives are not used); else `INFO`.
//!
//! The runtime's own lines (retries, refused answers, init failures, giving up) are records too.
//! The `ruchy-lambda` crate routes the `log` facade (and, with its `tracing` feature, `tracing`)
//! here; [`write()`] is what they call.

use std::cell::Cell;
use std::fmt;
use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::api::MAX_REQUEST_ID_LEN;
use crate::diagnostic::write_json_string;
use crate::text::{eq_ignore_case, push_digits};

/// How records are written: `AWS_LAMBDA_LOG_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tab-separated text (the default).
    Text,
    /// One JSON object per line.
    Json,
}

/// The level of a record, least severe first: the names Lambda uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `TRACE`
    Trace = 0,
    /// `DEBUG`
    Debug = 1,
    /// `INFO`
    Info = 2,
    /// `WARN`
    Warn = 3,
    /// `ERROR`
    Error = 4,
    /// `FATAL`
    Fatal = 5,
}

impl Level {
    /// The name Lambda uses, in capitals.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }

    /// A level from its name in any case (`warn`, `WARN`, `Warn`; `warning` too), ASCII white
    /// space around it ignored.
    pub fn parse(name: &str) -> Option<Level> {
        let levels = [
            Level::Trace,
            Level::Debug,
            Level::Info,
            Level::Warn,
            Level::Error,
            Level::Fatal,
        ];
        let name = name.trim_ascii();
        if eq_ignore_case(name.as_bytes(), b"warning") {
            return Some(Level::Warn);
        }
        levels
            .into_iter()
            .find(|l| eq_ignore_case(l.as_str().as_bytes(), name.as_bytes()))
    }

    fn from_u8(n: u8) -> Level {
        match n {
            0 => Level::Trace,
            1 => Level::Debug,
            2 => Level::Info,
            3 => Level::Warn,
            4 => Level::Error,
            _ => Level::Fatal,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The format, and the least severe level written (`None`: nothing is written, `RUST_LOG=off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How records are written.
    pub format: Format,
    /// The least severe level written; `None` writes nothing.
    pub level: Option<Level>,
}

impl Default for Settings {
    /// Text, `INFO`.
    fn default() -> Self {
        Settings {
            format: Format::Text,
            level: Some(Level::Info),
        }
    }
}

impl Settings {
    /// The settings from the process environment.
    pub fn from_env() -> Settings {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings through `lookup` (a variable name to its value): `AWS_LAMBDA_LOG_FORMAT`
    /// (`JSON` in any case is JSON, anything else text), `AWS_LAMBDA_LOG_LEVEL`, else the bare
    /// level of `RUST_LOG`, else `INFO`. A value that names no level counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Settings {
        let format = match lookup("AWS_LAMBDA_LOG_FORMAT") {
            Some(f) if eq_ignore_case(f.trim_ascii().as_bytes(), b"json") => Format::Json,
            _ => Format::Text,
        };
        let level = lookup("AWS_LAMBDA_LOG_LEVEL")
            .and_then(|l| Level::parse(&l).map(Some))
            .or_else(|| lookup("RUST_LOG").and_then(|r| rust_log_level(&r)))
            .unwrap_or(Some(Level::Info));
        Settings { format, level }
    }
}

/// The level of the last bare directive of a `RUST_LOG` value (`off` is `Some(None)`);
/// `target=level` directives are passed over.
fn rust_log_level(value: &str) -> Option<Option<Level>> {
    let mut level = None;
    for directive in value.split(',') {
        let directive = directive.trim_ascii();
        if eq_ignore_case(directive.as_bytes(), b"off") {
            level = Some(None);
        } else if let Some(l) = Level::parse(directive) {
            level = Some(Some(l));
        }
    }
    level
}

/// The settings in force: bit 7 is JSON, the low bits the level (`OFF` above `FATAL`).
static SETTINGS: AtomicU8 = AtomicU8::new(Level::Info as u8);
const JSON_BIT: u8 = 0x80;
const OFF: u8 = 6;

/// Makes `settings` the ones in force for every thread.
pub fn init(settings: Settings) {
    let level = settings.level.map_or(OFF, |l| l as u8);
    let json = if settings.format == Format::Json {
        JSON_BIT
    } else {
        0
    };
    SETTINGS.store(level | json, Ordering::Relaxed);
}

/// Reads the settings from the environment, puts them in force, and returns them.
pub fn init_from_env() -> Settings {
    let settings = Settings::from_env();
    init(settings);
    settings
}

/// The settings in force (text and `INFO` until [`init`]).
pub fn settings() -> Settings {
    let bits = SETTINGS.load(Ordering::Relaxed);
    let level = bits & !JSON_BIT;
    Settings {
        format: if bits & JSON_BIT != 0 {
            Format::Json
        } else {
            Format::Text
        },
        level: (level < OFF).then(|| Level::from_u8(level)),
    }
}

/// Whether a record of `level` is written.
#[inline]
pub fn enabled(level: Level) -> bool {
    (level as u8) >= SETTINGS.load(Ordering::Relaxed) & !JSON_BIT
}

thread_local! {
    /// The request id of the invocation this thread is running and its length, kept without
    /// allocating: request ids are at most [`MAX_REQUEST_ID_LEN`] bytes of ASCII.
    static CURRENT: Cell<([u8; MAX_REQUEST_ID_LEN], u8)> =
        const { Cell::new(([0; MAX_REQUEST_ID_LEN], 0)) };
}

/// Sets (or clears) the request id of the invocation this thread is running: the event loop
/// does it around each invocation, so every record a handler writes carries its invocation's
/// id, one per worker.
pub fn set_request_id(request_id: Option<&str>) {
    let id = request_id.unwrap_or("").as_bytes();
    let id = &id[..id.len().min(MAX_REQUEST_ID_LEN)];
    let mut buf = [0; MAX_REQUEST_ID_LEN];
    buf[..id.len()].copy_from_slice(id);
    CURRENT.set((buf, id.len() as u8));
}

/// Calls `f` with the request id of the invocation this thread is running, if any.
pub fn with_request_id<R>(f: impl FnOnce(Option<&str>) -> R) -> R {
    let (buf, len) = CURRENT.get();
    let id = std::str::from_utf8(&buf[..usize::from(len)]).ok();
    f(id.filter(|id| !id.is_empty()))
}

/// A record's extra fields: JSON members after `message`, or ` key=value` after the text.
pub struct Fields<'a> {
    out: &'a mut Vec<u8>,
    format: Format,
}

impl Fields<'_> {
    fn key(&mut self, key: &str) {
        match self.format {
            Format::Json => {
                self.out.push(b',');
                if matches!(key, "timestamp" | "level" | "requestId" | "message") {
                    // A field cannot replace what the record itself says.
                    write_json_string(self.out, &format!("field.{key}"));
                } else {
                    write_json_string(self.out, key);
                }
                self.out.push(b':');
            }
            Format::Text => {
                self.out.push(b' ');
                self.out.extend_from_slice(key.as_bytes());
                self.out.push(b'=');
            }
        }
    }

    /// A string field.
    pub fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        match self.format {
            Format::Json => write_json_string(self.out, value),
            Format::Text => push_text(self.out, value),
        }
    }

    /// A field written with its `Display` (a JSON string in JSON).
    pub fn display(&mut self, key: &str, value: &dyn fmt::Display) {
        let text = value.to_string();
        self.str(key, &text);
    }

    /// A field written with its `Debug` (a JSON string in JSON).
    pub fn debug(&mut self, key: &str, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        self.str(key, &text);
    }

    /// A signed integer field (a JSON number).
    pub fn i64(&mut self, key: &str, value: i64) {
        self.key(key);
        if value < 0 {
            self.out.push(b'-');
        }
        push_digits(self.out, value.unsigned_abs(), 1);
    }

    /// An unsigned integer field (a JSON number).
    pub fn u64(&mut self, key: &str, value: u64) {
        self.key(key);
        push_digits(self.out, value, 1);
    }

    /// A floating-point field (a JSON number; `null` in JSON when it is not finite).
    pub fn f64(&mut self, key: &str, value: f64) {
        self.key(key);
        if value.is_finite() || self.format == Format::Text {
            let _ = write!(self.out, "{value}");
        } else {
            self.out.extend_from_slice(b"null");
        }
    }

    /// A boolean field.
    pub fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        let text: &[u8] = if value { b"true" } else { b"false" };
        self.out.extend_from_slice(text);
    }
}

/// Writes one record of `level`, if the level is enabled: `message`, then what `fields` adds,
/// with the time and the request id of this thread's invocation. One `write` to stderr per
/// record, under stderr's lock, so records of concurrent workers never interleave.
pub fn write(
    level: Level,
    message: fmt::Arguments<'_>,
    fields: Option<&mut dyn FnMut(&mut Fields)>,
) {
    if !enabled(level) {
        return;
    }
    let mut line = Vec::with_capacity(160);
    render_into(&mut line, settings().format, now(), level, message, fields);
    let _ = std::io::stderr().lock().write_all(&line);
}

/// One record as a line, newline included.
pub fn render(
    format: Format,
    time: SystemTime,
    level: Level,
    message: fmt::Arguments<'_>,
    fields: Option<&mut dyn FnMut(&mut Fields)>,
) -> String {
    let mut out = Vec::with_capacity(160);
    // Before the epoch (a clock set wrong) is written as the epoch.
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    render_into(&mut out, format, since_epoch, level, message, fields);
    String::from_utf8_lossy(&out).into_owned()
}

fn render_into(
    out: &mut Vec<u8>,
    format: Format,
    time: Duration,
    level: Level,
    message: fmt::Arguments<'_>,
    fields: Option<&mut dyn FnMut(&mut Fields)>,
) {
    let formatted;
    let text = match message.as_str() {
        Some(text) => text,
        None => {
            formatted = message.to_string();
            &formatted
        }
    };
    let json = format == Format::Json;
    if json {
        out.extend_from_slice(b"{\"timestamp\":\"");
    }
    write_timestamp(out, time);
    with_request_id(|id| {
        if json {
            out.extend_from_slice(b"\",\"level\":\"");
            out.extend_from_slice(level.as_str().as_bytes());
            out.push(b'"');
            if let Some(id) = id {
                out.extend_from_slice(b",\"requestId\":");
                write_json_string(out, id);
            }
            out.extend_from_slice(b",\"message\":");
            write_json_string(out, text);
        } else {
            out.push(b'\t');
            out.extend_from_slice(id.unwrap_or("").as_bytes());
            out.push(b'\t');
            out.extend_from_slice(level.as_str().as_bytes());
            out.push(b'\t');
            push_text(out, text);
        }
    });
    if let Some(fields) = fields {
        fields(&mut Fields { out, format });
    }
    if json {
        out.push(b'}');
    }
    out.push(b'\n');
}

/// The time since the epoch, from the real-time clock.
///
/// On 64-bit Linux (Lambda's x86_64 and arm64) one `clock_gettime` call: `SystemTime::now`
/// makes the same call but panics with a formatted OS error if it fails, which links the
/// standard library's error formatting, about 7 kB, into every bootstrap. A clock that cannot
/// be read gives the epoch here.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn now() -> Duration {
    /// `struct timespec` on 64-bit Linux (glibc and musl): two 64-bit integers.
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    // SAFETY: the POSIX signature of `clock_gettime`, in the C library std links.
    unsafe extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_REALTIME: i32 = 0;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec` for the duration of the call.
    let rc = unsafe { clock_gettime(CLOCK_REALTIME, &mut ts) };
    match (u64::try_from(ts.tv_sec), u32::try_from(ts.tv_nsec)) {
        (Ok(secs), Ok(nanos)) if rc == 0 && nanos < 1_000_000_000 => Duration::new(secs, nanos),
        _ => Duration::ZERO,
    }
}

/// The time since the epoch, from the real-time clock.
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Text as a text record keeps it: one line, a newline as a carriage return.
fn push_text(out: &mut Vec<u8>, text: &str) {
    out.extend(text.bytes().map(|b| if b == b'\n' { b'\r' } else { b }));
}

/// A point in time as RFC 3339 UTC with milliseconds: `2024-02-29T23:59:59.999Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub SystemTime);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::with_capacity(24);
        write_timestamp(
            &mut out,
            self.0.duration_since(UNIX_EPOCH).unwrap_or_default(),
        );
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

/// Appends the time `since` the epoch as RFC 3339 UTC with milliseconds (digits written by
/// hand: this runs for every record).
fn write_timestamp(out: &mut Vec<u8>, since: Duration) {
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    let parts = [
        (year, 4, b'-'),
        (u64::from(month), 2, b'-'),
        (u64::from(day), 2, b'T'),
        (rem / 3600, 2, b':'),
        (rem / 60 % 60, 2, b':'),
        (rem % 60, 2, b'.'),
        (u64::from(since.subsec_millis()), 3, b'Z'),
    ];
    for (value, width, separator) in parts {
        push_digits(out, value, width);
        out.push(separator);
    }
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (day 0): year, month (1–12),
/// day (1–31). Howard Hinnant's `civil_from_days`, for days on or after the epoch.
pub fn civil_from_days(days: u64) -> (u64, u32, u32) {
    // Shift the epoch to 0000-03-01, the start of a 400-year era whose years begin in March
    // (so the leap day is the last day of a year).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, millis: u64) -> String {
        Timestamp(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
            .to_string()
    }

    #[test]
    fn timestamps_are_exact_utc_with_milliseconds() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(86_399, 999), "1970-01-01T23:59:59.999Z");
        // Year ends.
        assert_eq!(at(946_684_799, 999), "1999-12-31T23:59:59.999Z");
        assert_eq!(at(946_684_800, 0), "2000-01-01T00:00:00.000Z");
        // Leap days: 2000 (divisible by 400) and 2024 are leap years; 2100 is not.
        assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(1_709_164_800, 123), "2024-02-29T00:00:00.123Z");
        assert_eq!(at(1_709_251_199, 0), "2024-02-29T23:59:59.000Z");
        assert_eq!(at(1_709_251_200, 0), "2024-03-01T00:00:00.000Z");
        assert_eq!(at(4_107_456_000, 0), "2100-02-28T00:00:00.000Z");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000Z");
        assert_eq!(at(1_798_761_599, 7), "2026-12-31T23:59:59.007Z");
        assert_eq!(at(1_798_761_600, 0), "2027-01-01T00:00:00.000Z");
        // Before the epoch: the epoch.
        let before = Timestamp(UNIX_EPOCH - Duration::from_secs(5)).to_string();
        assert_eq!(before, "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn every_day_of_four_centuries_follows_the_one_before() {
        // Walk 1970-01-01 .. 2370-01-01 and check each date is the successor of the last.
        let days_in = |y: u64, m: u32| match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let mut prev = civil_from_days(0);
        assert_eq!(prev, (1970, 1, 1));
        for d in 1..146_097 {
            let next = civil_from_days(d);
            let (y, m, day) = prev;
            let expected = if day < days_in(y, m) {
                (y, m, day + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
            assert_eq!(next, expected, "day {d}");
            prev = next;
        }
    }

    #[test]
    fn the_clock_is_the_system_clock() {
        let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let now = now();
        let after = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert!(
            before <= now && now <= after,
            "{before:?} {now:?} {after:?}"
        );
    }

    #[test]
    fn levels_parse_in_any_case() {
        assert_eq!(Level::parse("warn"), Some(Level::Warn));
        assert_eq!(Level::parse("WARNING"), Some(Level::Warn));
        assert_eq!(Level::parse(" Fatal "), Some(Level::Fatal));
        assert_eq!(Level::parse("TRACE"), Some(Level::Trace));
        assert_eq!(Level::parse("verbose"), None);
        assert!(Level::Trace < Level::Debug && Level::Error < Level::Fatal);
    }

    fn settings_of(vars: &[(&str, &str)]) -> Settings {
        Settings::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn settings_come_from_lambda_then_rust_log_then_info() {
        assert_eq!(settings_of(&[]), Settings::default());
        let json_debug = settings_of(&[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "debug"),
            ("RUST_LOG", "error"),
        ]);
        assert_eq!(json_debug.format, Format::Json);
        assert_eq!(json_debug.level, Some(Level::Debug));
        assert_eq!(
            settings_of(&[("AWS_LAMBDA_LOG_FORMAT", "json")]).format,
            Format::Json
        );
        assert_eq!(
            settings_of(&[("AWS_LAMBDA_LOG_FORMAT", "Text")]).format,
            Format::Text
        );
        let rust_log = |v| settings_of(&[("RUST_LOG", v)]).level;
        assert_eq!(rust_log("debug"), Some(Level::Debug));
        assert_eq!(rust_log("hyper=trace,warn"), Some(Level::Warn));
        assert_eq!(rust_log("warn,my_crate=trace"), Some(Level::Warn));
        assert_eq!(rust_log("my_crate=trace"), Some(Level::Info));
        assert_eq!(rust_log("off"), None);
        assert_eq!(rust_log("nonsense"), Some(Level::Info));
        // A Lambda level that names no level counts as unset.
        let bad = settings_of(&[("AWS_LAMBDA_LOG_LEVEL", "loud"), ("RUST_LOG", "error")]);
        assert_eq!(bad.level, Some(Level::Error));
    }

    fn record(format: Format, message: fmt::Arguments<'_>) -> String {
        let time = UNIX_EPOCH + Duration::from_millis(1_709_164_800_123);
        render(format, time, Level::Warn, message, None)
    }

    #[test]
    fn text_records() {
        set_request_id(None);
        assert_eq!(
            record(Format::Text, format_args!("disk {}% full", 93)),
            "2024-02-29T00:00:00.123Z\t\tWARN\tdisk 93% full\n"
        );
        set_request_id(Some("8476a536-e9f4-11e8-9739-2dfe598c3fcd"));
        assert_eq!(
            record(Format::Text, format_args!("two\nlines")),
            "2024-02-29T00:00:00.123Z\t8476a536-e9f4-11e8-9739-2dfe598c3fcd\tWARN\ttwo\rlines\n"
        );
        set_request_id(None);
    }

    #[test]
    fn json_records_escape_every_string() {
        set_request_id(Some("id-1"));
        let line = record(
            Format::Json,
            format_args!("quote \" backslash \\ tab \t nl \n bell \u{7} é ✓"),
        );
        assert_eq!(
            line,
            "{\"timestamp\":\"2024-02-29T00:00:00.123Z\",\"level\":\"WARN\",\"requestId\":\"id-1\",\
             \"message\":\"quote \\\" backslash \\\\ tab \\t nl \\n bell \\u0007 é ✓\"}\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            parsed["message"],
            "quote \" backslash \\ tab \t nl \n bell \u{7} é ✓"
        );
        set_request_id(None);
        let line = record(Format::Json, format_args!("outside"));
        assert!(!line.contains("requestId"), "{line}");
    }

    #[test]
    fn fields_follow_the_message() {
        set_request_id(None);
        let time = UNIX_EPOCH;
        let mut add = |f: &mut Fields| {
            f.str("user", "a\"b");
            f.u64("items", 3);
            f.i64("delta", -2);
            f.f64("ratio", 0.5);
            f.f64("nan", f64::NAN);
            f.bool("ok", true);
            f.display("level", &"mine");
        };
        let json = render(
            Format::Json,
            time,
            Level::Info,
            format_args!("m"),
            Some(&mut add),
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["user"], "a\"b");
        assert_eq!(parsed["items"], 3);
        assert_eq!(parsed["delta"], -2);
        assert_eq!(parsed["ratio"], 0.5);
        assert_eq!(parsed["nan"], serde_json::Value::Null);
        assert_eq!(parsed["ok"], true);
        assert_eq!(parsed["level"], "INFO");
        assert_eq!(parsed["field.level"], "mine");
        let text = render(
            Format::Text,
            time,
            Level::Info,
            format_args!("m"),
            Some(&mut add),
        );
        assert_eq!(
            text,
            "1970-01-01T00:00:00.000Z\t\tINFO\tm user=a\"b items=3 delta=-2 ratio=0.5 nan=NaN \
             ok=true level=mine\n"
        );
    }

    #[test]
    fn request_ids_are_per_thread() {
        set_request_id(Some("main-id"));
        std::thread::spawn(|| {
            with_request_id(|id| assert_eq!(id, None));
            set_request_id(Some("worker-id"));
            with_request_id(|id| assert_eq!(id, Some("worker-id")));
        })
        .join()
        .unwrap();
        with_request_id(|id| assert_eq!(id, Some("main-id")));
        set_request_id(None);
        with_request_id(|id| assert_eq!(id, None));
    }

    #[test]
    fn the_level_filters_before_formatting() {
        init(Settings {
            format: Format::Json,
            level: Some(Level::Warn),
        });
        assert!(!enabled(Level::Info) && enabled(Level::Warn) && enabled(Level::Fatal));
        assert_eq!(settings().format, Format::Json);
        init(Settings {
            format: Format::Text,
            level: None,
        });
        assert!(!enabled(Level::Fatal));
        assert_eq!(settings().level, None);
        init(Settings::default());
        assert_eq!(settings(), Settings::default());
    }
}
