//! DynamoDB items as plain JSON: strings as strings; numbers as JSON numbers when they are an
//! `i64`, or an `f64` written the way Rust writes it, else as strings; binary as base64; sets and
//! lists as arrays; `NULL` as `null`. Shared with the `lambda_runtime` function the benchmarks
//! compare this example with (`benches/peer`), so that both answer byte for byte alike.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

/// An item (or a map attribute) as a JSON object.
pub fn plain_map(item: impl IntoIterator<Item = (String, AttributeValue)>) -> Map<String, Value> {
    item.into_iter().map(|(k, v)| (k, plain(v))).collect()
}

/// A DynamoDB attribute as plain JSON.
fn plain(value: AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => Value::String(s),
        AttributeValue::N(n) => number(n),
        AttributeValue::Bool(b) => Value::Bool(b),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::B(blob) => Value::String(base64(blob.as_ref())),
        AttributeValue::L(list) => Value::Array(list.into_iter().map(plain).collect()),
        AttributeValue::M(map) => Value::Object(plain_map(map)),
        AttributeValue::Ss(set) => Value::Array(set.into_iter().map(Value::String).collect()),
        AttributeValue::Ns(set) => Value::Array(set.into_iter().map(number).collect()),
        AttributeValue::Bs(set) => set
            .iter()
            .map(|b| Value::String(base64(b.as_ref())))
            .collect(),
        _ => Value::Null,
    }
}

/// A DynamoDB number: a JSON number when it is an `i64`, or an `f64` that prints back as
/// written; else the text, which keeps all of DynamoDB's 38 digits.
fn number(text: String) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        return Value::from(i);
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f.to_string() == text => Value::from(f),
        _ => Value::String(text),
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_as_plain_json() {
        let item = [
            ("s".to_owned(), AttributeValue::S("x".into())),
            ("i".to_owned(), AttributeValue::N("-42".into())),
            ("f".to_owned(), AttributeValue::N("1.5".into())),
            (
                "big".to_owned(),
                AttributeValue::N("123456789012345678901234567890".into()),
            ),
            ("b".to_owned(), AttributeValue::B(vec![0, 1, 2, 255].into())),
            ("n".to_owned(), AttributeValue::Null(true)),
            (
                "l".to_owned(),
                AttributeValue::L(vec![AttributeValue::Bool(true)]),
            ),
            (
                "ns".to_owned(),
                AttributeValue::Ns(vec!["1".into(), "2.25".into()]),
            ),
        ];
        assert_eq!(
            Value::Object(plain_map(item)),
            serde_json::json!({
                "s": "x", "i": -42, "f": 1.5, "big": "123456789012345678901234567890",
                "b": "AAEC/w==", "n": null, "l": [true], "ns": [1, 2.25]
            })
        );
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(base64(b""), "");
    }
}
