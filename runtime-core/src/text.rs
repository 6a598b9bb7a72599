//! Small text helpers the runtime uses instead of the standard library's general ones.
//!
//! Each replaces a std routine that is larger than the job here needs, and is linked into every
//! bootstrap: `str::parse` has one copy per integer type; an integer's `to_string` goes through
//! the formatter, with a copy of `String`'s `fmt::Write` compiled into the calling crate;
//! `[u8]::eq_ignore_ascii_case` has a vectorised path for long slices; `escape_ascii`'s
//! `Display` writes character by character through the formatter. One plain loop each does the
//! same work for the runtime's short inputs (header names, environment values, lengths, log
//! fragments).

/// The whole number `s` holds in decimal, as `str::parse::<u64>` reads it: an optional `+`, then
/// one or more ASCII digits, nothing else; `None` when it overflows `u64`.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    let digits = s.strip_prefix('+').unwrap_or(s).as_bytes();
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// Appends `value` in decimal, zero-padded to `width` digits.
pub(crate) fn push_digits(out: &mut Vec<u8>, mut value: u64, width: usize) {
    // `u64::MAX` has 20 digits; a wider `width` is padded to 20.
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while start > 0 && (value != 0 || start == digits.len() || digits.len() - start < width) {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    out.extend_from_slice(&digits[start..]);
}

/// Whether `a` and `b` are the same bytes, ASCII letters compared without case.
pub(crate) fn eq_ignore_case(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// Appends `bytes` to `out` escaped as `<[u8]>::escape_ascii` escapes them: `\t`, `\r`, `\n`,
/// `\\`, `\'` and `\"`; other printable ASCII as is; anything else as `\xNN`.
pub(crate) fn push_escaped(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        let escaped = match b {
            b'\t' => 't',
            b'\r' => 'r',
            b'\n' => 'n',
            b'\\' | b'\'' | b'"' => char::from(b),
            0x20..=0x7e => {
                out.push(char::from(b));
                continue;
            }
            _ => {
                out.push_str("\\x");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
                continue;
            }
        };
        out.push('\\');
        out.push(escaped);
    }
}

/// Untrusted bytes for a message: escaped as [`push_escaped`] does, at most `max` of them, and
/// `...` when some were cut.
pub(crate) fn printable(s: &[u8], max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max) + 3);
    push_escaped(&mut out, &s[..s.len().min(max)]);
    if s.len() > max {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_as_str_parse_reads_them() {
        let long = "9".repeat(30);
        for s in [
            "0",
            "7",
            "+7",
            "0042",
            "18446744073709551615",
            "18446744073709551616",
            "",
            "+",
            "-1",
            " 1",
            "1 ",
            "1_000",
            "١",
            "0x10",
            &long,
        ] {
            assert_eq!(parse_u64(s), s.parse::<u64>().ok(), "{s:?}");
        }
    }

    #[test]
    fn digits_padded_to_a_width() {
        for (value, width, text) in [
            (0, 1, "0"),
            (0, 0, "0"),
            (7, 3, "007"),
            (1234, 2, "1234"),
            (2026, 4, "2026"),
            (u64::MAX, 1, "18446744073709551615"),
            (5, 25, "00000000000000000005"),
        ] {
            let mut out = b"x".to_vec();
            push_digits(&mut out, value, width);
            assert_eq!(out, format!("x{text}").as_bytes(), "{value} {width}");
        }
    }

    #[test]
    fn case_is_ignored_for_ascii_letters_only() {
        assert!(eq_ignore_case(b"Content-Length", b"content-length"));
        assert!(eq_ignore_case(b"", b""));
        assert!(!eq_ignore_case(b"close", b"closed"));
        assert!(!eq_ignore_case(b"a", b"b"));
        assert!(!eq_ignore_case("É".as_bytes(), "é".as_bytes()));
        for (a, b) in [(&b"x[y"[..], &b"X{Y"[..]), (b"@", b"`")] {
            assert_eq!(eq_ignore_case(a, b), a.eq_ignore_ascii_case(b));
        }
    }

    #[test]
    fn escapes_as_escape_ascii_does() {
        let every_byte: Vec<u8> = (0..=255).collect();
        let mut out = String::new();
        push_escaped(&mut out, &every_byte);
        assert_eq!(out, every_byte.escape_ascii().to_string());
    }

    #[test]
    fn printable_escapes_and_cuts() {
        assert_eq!(printable(b"a\r\nb\"", 10), "a\\r\\nb\\\"");
        assert_eq!(printable("é".as_bytes(), 10), "\\xc3\\xa9");
        assert_eq!(printable(b"abcdef", 3), "abc...");
        assert_eq!(printable(b"abc", 3), "abc");
    }
}
