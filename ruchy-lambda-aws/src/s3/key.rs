//! Object keys in URLs: percent-encoding for the request path and query, and decoding of the
//! keys a `ListObjectsV2` response sends with `encoding-type=url`.

#![allow(dead_code)]

use std::fmt;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The S3 object path of `key`, encoded once: every UTF-8 byte but the unreserved
/// `A-Z a-z 0-9 - _ . ~` and `/` as `%XX` (uppercase hex).
pub(crate) fn encode_path(key: &str) -> String {
    encode(key, true)
}

/// A query parameter value: every UTF-8 byte but the unreserved `A-Z a-z 0-9 - _ . ~` as `%XX`
/// (uppercase hex), `/` included.
pub(crate) fn encode_query(value: &str) -> String {
    encode(value, false)
}

fn encode(value: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// Why a URL-encoded value could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    /// Byte offset in the encoded value.
    at: usize,
    reason: &'static str,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.at)
    }
}

impl std::error::Error for DecodeError {}

/// A key (or prefix) from a `ListObjectsV2` response made with `encoding-type=url`, decoded as
/// botocore decodes it (`urllib.parse.unquote_plus`): `+` is a space, `%XX` (either case) is the
/// byte `XX`, and the bytes are UTF-8. S3 writes a space as `+` or `%20` and a `+` as `%2B`;
/// moto writes `%20` and `%2B`: both decode to the same key.
///
/// Where botocore keeps a `%` not followed by two hex digits and puts U+FFFD for bytes that are
/// not UTF-8, this is an error: S3 sends neither, and a key silently changed would name another
/// object.
pub(crate) fn decode_url(value: &str) -> Result<String, DecodeError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let byte = bytes
                    .get(i + 1..i + 3)
                    .and_then(|hex| Some(hex_value(hex[0])? << 4 | hex_value(hex[1])?))
                    .ok_or(DecodeError {
                        at: i,
                        reason: "`%` is not followed by two hex digits",
                    })?;
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| DecodeError {
        at: encoded_offset(bytes, e.utf8_error().valid_up_to()),
        reason: "the decoded bytes are not UTF-8",
    })
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// The offset in `encoded` of the byte that decodes to byte `decoded` of the output.
fn encoded_offset(encoded: &[u8], decoded: usize) -> usize {
    let mut i = 0;
    for _ in 0..decoded {
        i += if encoded.get(i) == Some(&b'%') { 3 } else { 1 };
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_unreserved_bytes_and_slashes() {
        let cases = [
            ("photos/2024/a.jpg", "photos/2024/a.jpg"),
            ("AZaz09-_.~", "AZaz09-_.~"),
            ("a b.txt", "a%20b.txt"),
            ("a+b.txt", "a%2Bb.txt"),
            ("café.txt", "caf%C3%A9.txt"),
            ("x&y<z>.txt", "x%26y%3Cz%3E.txt"),
            ("line1\nline2", "line1%0Aline2"),
            ("100%.txt", "100%25.txt"),
            ("q\"uote'.txt", "q%22uote%27.txt"),
            (
                "a?b#c=d;e,f:g@h$i!j*k(l)m[n]",
                "a%3Fb%23c%3Dd%3Be%2Cf%3Ag%40h%24i%21j%2Ak%28l%29m%5Bn%5D",
            ),
            ("/leading//double/", "/leading//double/"),
            ("日本", "%E6%97%A5%E6%9C%AC"),
            ("\u{7f}\u{0}", "%7F%00"),
            ("", ""),
        ];
        for (key, encoded) in cases {
            assert_eq!(encode_path(key), encoded, "{key:?}");
        }
    }

    #[test]
    fn query_values_encode_slashes_too() {
        assert_eq!(encode_query("photos/2024/"), "photos%2F2024%2F");
        assert_eq!(encode_query("a b+c"), "a%20b%2Bc");
        assert_eq!(encode_query("é~"), "%C3%A9~");
        assert_eq!(
            encode_query("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="),
            "1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D"
        );
    }

    #[test]
    fn decoding_is_botocores_unquote_plus() {
        // Each expected value is what `urllib.parse.unquote_plus` returns for the input.
        let cases = [
            ("a+b", "a b"),
            ("a%2Bb", "a+b"),
            ("a%2bb", "a+b"),
            ("a%20b", "a b"),
            ("caf%C3%A9", "café"),
            ("caf%c3%a9", "café"),
            ("line1%0Aline2", "line1\nline2"),
            ("100%25.txt", "100%.txt"),
            ("x%26y%3Cz%3E.txt", "x&y<z>.txt"),
            ("dir/one.txt", "dir/one.txt"),
            ("already é", "already é"),
            ("", ""),
        ];
        for (encoded, key) in cases {
            assert_eq!(decode_url(encoded).as_deref(), Ok(key), "{encoded:?}");
        }
    }

    #[test]
    fn every_key_encoded_decodes_to_itself() {
        let keys = [
            "a b+c",
            "café/日本 x",
            "%2B",
            "+",
            "line\r\n\t",
            "~!*'()",
            "\u{10FFFF}",
        ];
        for key in keys {
            assert_eq!(decode_url(&encode_query(key)).as_deref(), Ok(key));
            assert_eq!(decode_url(&encode_path(key)).as_deref(), Ok(key));
        }
    }

    /// The Python that runs `moto_server` (`MOTO_SERVER`, or on `PATH`), which has botocore:
    /// the one its `#!` line names, else the `python3` beside it (a pyenv shim).
    fn botocore_python() -> Option<std::path::PathBuf> {
        let server = std::env::var_os("MOTO_SERVER")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::split_paths(&std::env::var_os("PATH")?)
                    .map(|dir| dir.join("moto_server"))
                    .find(|p| p.is_file())
            })?;
        let script = std::fs::read_to_string(&server).unwrap_or_default();
        let shebang = script.lines().next().and_then(|l| l.strip_prefix("#!"));
        match shebang.map(str::trim) {
            Some(python) if python.rsplit('/').next()?.starts_with("python") => Some(python.into()),
            _ => Some(server.parent()?.join("python3")),
        }
    }

    #[test]
    fn decoding_agrees_with_botocore_itself() {
        let Some(python) = botocore_python() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "moto_server is not installed: .ci/run installs it (or set MOTO_SERVER)"
            );
            println!("skipped: moto_server not found (its Python has botocore)");
            return;
        };
        let encoded = [
            "a+b",
            "a%2Bb",
            "a%2bb",
            "a%20b",
            "caf%C3%A9",
            "line1%0Aline2",
            "100%25.txt",
            "x%26y%3Cz%3E.txt",
            "dir/one.txt",
            "already \u{e9}",
            "%E6%97%A5+%F0%9F%98%80",
            "",
        ];
        let input = serde_json::to_string(&encoded).unwrap();
        let script = "import json, sys\n\
            from botocore.compat import unquote_str\n\
            print(json.dumps([unquote_str(s) for s in json.load(sys.stdin)]))";
        let mut child = std::process::Command::new(&python)
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{} failed", python.display());
        let botocore: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
        let ours: Vec<String> = encoded.iter().map(|e| decode_url(e).unwrap()).collect();
        assert_eq!(ours, botocore);
    }

    #[test]
    fn malformed_encodings_are_errors() {
        let cases = [
            ("%", 0, "`%` is not followed by two hex digits"),
            ("a%2", 1, "`%` is not followed by two hex digits"),
            ("ab%zz", 2, "`%` is not followed by two hex digits"),
            ("%+1", 0, "`%` is not followed by two hex digits"),
            ("%C3", 0, "the decoded bytes are not UTF-8"),
            ("ok%20%E9x", 5, "the decoded bytes are not UTF-8"),
            ("%C3%A9%FF", 6, "the decoded bytes are not UTF-8"),
        ];
        for (encoded, at, reason) in cases {
            assert_eq!(
                decode_url(encoded),
                Err(DecodeError { at, reason }),
                "{encoded:?}"
            );
        }
        assert_eq!(
            decode_url("a%2").unwrap_err().to_string(),
            "`%` is not followed by two hex digits at byte 1"
        );
    }
}
