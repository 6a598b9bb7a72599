//! `log10` on the floor: `minimal` that writes ten INFO records per invocation, by hand, in
//! Lambda's JSON log format — one line each on stderr, one `write` per line:
//! `{"timestamp":"2026-11-27T17:00:00.123Z","level":"INFO","requestId":"…","message":"record 1 of 10"}`.
//! The floor of what writing them costs: no level check, no escaping (request ids are validated,
//! the message needs none), no logger.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use ruchy_lambda_bench_floor::{Invocation, Outcome};

fn handle(_event: &[u8], invocation: &Invocation, reply: &mut Vec<u8>) -> Outcome {
    let mut line = Vec::with_capacity(160);
    let mut stderr = std::io::stderr().lock();
    for i in 1..=10 {
        line.clear();
        line.extend_from_slice(b"{\"timestamp\":\"");
        write_timestamp(&mut line);
        let _ = writeln!(
            line,
            "\",\"level\":\"INFO\",\"requestId\":\"{}\",\"message\":\"record {i} of 10\"}}",
            invocation.request_id
        );
        let _ = stderr.write_all(&line);
    }
    reply.extend_from_slice(br#"{"statusCode":200,"body":"ok"}"#);
    Ok(())
}

/// Now, UTC, to the millisecond: `2026-11-27T17:00:00.123Z`.
fn write_timestamp(out: &mut Vec<u8>) {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        since.subsec_millis()
    );
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn main() {
    ruchy_lambda_bench_floor::run_with_context(handle)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_784), (2026, 11, 27));
    }
}
