//! DynamoDB numbers as plain JSON: a JSON number when the number written back is the same
//! decimal number, else the text (the rule of the [module documentation](super)).

use serde_json::{Number, Value};

use super::ItemError;
use super::path::Path;

/// A DynamoDB number as plain JSON: a JSON number when it fits exactly, else its text.
pub(super) fn number(text: &str, path: &Path<'_>) -> Result<Value, ItemError> {
    let Some(decimal) = Decimal::parse(text) else {
        return Err(ItemError::at(
            path,
            format!("`N` value {text:?} is not a number"),
        ));
    };
    Ok(match exact_json_number(text, &decimal) {
        Some(n) => Value::Number(n),
        None => Value::String(text.to_owned()),
    })
}

/// The JSON number whose text is the same decimal number as `decimal` (parsed from `text`).
fn exact_json_number(text: &str, decimal: &Decimal) -> Option<Number> {
    if let Some(integer) = decimal.integer() {
        return Some(integer);
    }
    // Rust's parsing is correctly rounded: this is the f64 nearest to the decimal.
    let nearest = Number::from_f64(text.parse::<f64>().ok()?)?;
    (Decimal::parse(&nearest.to_string()).as_ref() == Some(decimal)).then_some(nearest)
}

/// A decimal number as sign, significant digits and exponent: `digits × 10^exponent`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Decimal {
    negative: bool,
    /// ASCII digits, no leading or trailing zero; empty for zero (which is never negative).
    digits: Vec<u8>,
    exponent: i64,
}

/// Exponents are held up to this size: far past any `f64` or integer, and past the length of
/// any text, so that clamping changes no comparison.
const EXPONENT_CAP: i64 = 1_000_000_000_000_000;

impl Decimal {
    /// `[+-]digits[.digits][(e|E)[+-]digits]`, with at least one digit before the exponent.
    pub(super) fn parse(text: &str) -> Option<Decimal> {
        let bytes = text.as_bytes();
        let mut i = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let mut digits = Vec::with_capacity(bytes.len());
        let mut fraction_len: i64 = 0;
        while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            digits.push(*d);
            i += 1;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
                digits.push(*d);
                fraction_len += 1;
                i += 1;
            }
        }
        if digits.is_empty() {
            return None;
        }
        let mut exponent: i64 = 0;
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            let exponent_negative = match bytes.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
                exponent = (exponent * 10 + i64::from(d - b'0')).min(EXPONENT_CAP);
                i += 1;
            }
            if i == start {
                return None;
            }
            if exponent_negative {
                exponent = -exponent;
            }
        }
        if i != bytes.len() {
            return None;
        }
        let Some(first) = digits.iter().position(|&d| d != b'0') else {
            return Some(Decimal {
                negative: false,
                digits: Vec::new(),
                exponent: 0,
            });
        };
        let last = digits.iter().rposition(|&d| d != b'0').unwrap_or(first);
        let trailing_zeros = i64::try_from(digits.len() - 1 - last).ok()?;
        Some(Decimal {
            negative,
            exponent: exponent - fraction_len + trailing_zeros,
            digits: digits[first..=last].to_vec(),
        })
    }

    /// The number as an `i64` or `u64` when it is an integer within their range.
    fn integer(&self) -> Option<Number> {
        if self.digits.is_empty() {
            return Some(Number::from(0u64));
        }
        // u64::MAX has 20 digits.
        if self.exponent < 0 || i64::try_from(self.digits.len()).ok()? + self.exponent > 20 {
            return None;
        }
        let mut magnitude: u64 = 0;
        for &d in &self.digits {
            magnitude = magnitude
                .checked_mul(10)?
                .checked_add(u64::from(d - b'0'))?;
        }
        for _ in 0..self.exponent {
            magnitude = magnitude.checked_mul(10)?;
        }
        if self.negative {
            0i64.checked_sub_unsigned(magnitude).map(Number::from)
        } else {
            Some(Number::from(magnitude))
        }
    }
}
