//! Identifiers and clock values as Lambda writes them: request ids (UUID v4), X-Ray trace ids,
//! log stream names, epoch milliseconds and UTC timestamps.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A fast, non-cryptographic source of unique-looking random numbers (SplitMix64 over an atomic
/// counter seeded from the OS). Request ids only need to be unique, not secret.
fn random_u64() -> u64 {
    static STATE: OnceLock<AtomicU64> = OnceLock::new();
    let state = STATE.get_or_init(|| AtomicU64::new(seed()));
    let mut z = state.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok()
    {
        return u64::from_le_bytes(bytes);
    }
    // No /dev/urandom: std's per-process random hasher keys, mixed with the clock.
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.write_u32(std::process::id());
    h.finish()
}

fn hex(value: u64, digits: usize) -> String {
    let s = format!("{value:016x}");
    s[16 - digits..].to_owned()
}

/// A fresh request id: a random UUID version 4, lowercase, e.g.
/// `fe5a4a4a-d4a4-4d89-996b-64a9c91d6718`.
pub fn request_id() -> String {
    let hi = random_u64();
    let lo = random_u64();
    let time_hi = (hi & 0x0fff) | 0x4000; // version 4
    let clock = ((lo >> 48) & 0x3fff) | 0x8000; // variant 10
    format!(
        "{}-{}-{}-{:04x}-{}",
        hex(hi >> 32, 8),
        hex(hi >> 16, 4),
        hex(time_hi, 4),
        clock,
        hex(lo, 12)
    )
}

/// A fresh invocation id for `Lambda-Runtime-Invocation-Id`: a random UUID version 4 like a
/// request id, from the same sequence, so no two handed out by this process are equal (the
/// generator is a bijection of a counter), even when a request id is handed out again.
pub fn invocation_id() -> String {
    request_id()
}

/// A fresh X-Ray trace header as Lambda passes it in `Lambda-Runtime-Trace-Id`:
/// `Root=1-<8 hex epoch seconds>-<24 hex>;Parent=<16 hex>;Sampled=0`.
pub fn trace_id() -> String {
    let secs = epoch().as_secs();
    format!(
        "Root=1-{}-{}{};Parent={};Sampled=0",
        hex(secs, 8),
        hex(random_u64(), 8),
        hex(random_u64(), 16),
        hex(random_u64(), 16)
    )
}

/// A fresh secret for `AWS_LAMBDA_METADATA_TOKEN`: 256 bits as 64 lowercase hex digits.
///
/// Unlike the ids above it must not be guessable, so it does not come from their sequence (one
/// request id would give away the next): it is read from `/dev/urandom`, or, where that cannot
/// be read, drawn from std's randomly keyed hashers (keyed from the OS's random source).
pub fn metadata_token() -> String {
    let mut bytes = [0u8; 32];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        for (i, word) in bytes.chunks_mut(8).enumerate() {
            let mut h = RandomState::new().build_hasher();
            h.write_usize(i);
            h.write_u128(epoch().as_nanos());
            word.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A log stream name like Lambda's: `2026/11/27/[$LATEST]<32 hex>`.
pub fn log_stream_name(version: &str) -> String {
    let (y, m, d) = civil_from_days((epoch().as_secs() / 86_400) as i64);
    format!(
        "{y:04}/{m:02}/{d:02}/[{version}]{}{}",
        hex(random_u64(), 16),
        hex(random_u64(), 16)
    )
}

fn epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Milliseconds since the Unix epoch, now.
pub fn epoch_millis() -> u64 {
    epoch().as_millis() as u64
}

/// A UTC timestamp with milliseconds, as Lambda prefixes its own log lines:
/// `2026-11-27T10:00:00.123Z`.
pub fn utc_timestamp(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Year, month, day of a count of days since 1970-01-01 (proleptic Gregorian calendar; Howard
/// Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Whether `id` can be a request id in a Runtime API path: 1 to 128 characters of
/// `[A-Za-z0-9._-]`.
pub fn is_valid_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_v4() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let id = request_id();
            let parts: Vec<&str> = id.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12],
                "{id}"
            );
            assert!(parts[2].starts_with('4'), "{id}");
            assert!(
                matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
                "{id}"
            );
            assert!(
                id.bytes()
                    .all(|b| b == b'-' || b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            assert!(is_valid_request_id(&id));
            assert!(seen.insert(id));
        }
    }

    #[test]
    fn trace_ids_look_like_xray() {
        let t = trace_id();
        let parts: Vec<&str> = t.split(';').collect();
        assert_eq!(parts.len(), 3, "{t}");
        let root = parts[0].strip_prefix("Root=1-").unwrap();
        let (time, rest) = root.split_once('-').unwrap();
        assert_eq!((time.len(), rest.len()), (8, 24), "{t}");
        assert_eq!(parts[1].strip_prefix("Parent=").unwrap().len(), 16);
        assert_eq!(parts[2], "Sampled=0");
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_419), (2025, 11, 27));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        let at = UNIX_EPOCH + Duration::from_millis(1_764_237_600_123);
        assert_eq!(utc_timestamp(at), "2025-11-27T10:00:00.123Z");
        let stream = log_stream_name("$LATEST");
        let (date, rest) = stream.split_once("/[$LATEST]").unwrap();
        assert_eq!(date.len(), 10);
        assert_eq!(rest.len(), 32);
    }

    #[test]
    fn request_id_validation() {
        for ok in ["a", "A-b_c.9", &"x".repeat(128)] {
            assert!(is_valid_request_id(ok), "{ok}");
        }
        for bad in ["", "a/b", "a b", "%2e", "é", &"x".repeat(129)] {
            assert!(!is_valid_request_id(bad), "{bad}");
        }
    }

    #[test]
    fn metadata_tokens_are_256_random_bits() {
        let a = metadata_token();
        let b = metadata_token();
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }
}
