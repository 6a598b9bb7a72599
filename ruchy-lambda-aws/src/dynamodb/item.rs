//! DynamoDB items to and from serde types, through [`serde_json::Value`].
//!
//! DynamoDB tags every value with its type (`{"S": "text"}`, `{"N": "3"}`); the functions here
//! turn that form (an *AttributeValue*) into the plain JSON a serde type reads and writes, and
//! back.
//!
//! # From DynamoDB to plain JSON
//!
//! | AttributeValue            | plain JSON                                           |
//! |---------------------------|------------------------------------------------------|
//! | `{"S": "text"}`           | `"text"`                                             |
//! | `{"N": "3"}`              | a number when it fits exactly (below), else `"3"`    |
//! | `{"B": "AAEC/w=="}`       | the base64 text, `"AAEC/w=="`                        |
//! | `{"BOOL": true}`          | `true`                                               |
//! | `{"NULL": true}`          | `null`                                               |
//! | `{"L": [..]}`             | an array, each member converted                      |
//! | `{"M": {..}}`             | an object, each member converted                     |
//! | `{"SS": ["a", "b"]}`      | `["a", "b"]`                                         |
//! | `{"NS": ["1", "2.5"]}`    | `[1, 2.5]`, each member by the rule for `N`          |
//! | `{"BS": ["AA==", "AQ=="]}`| `["AA==", "AQ=="]`, the base64 texts                 |
//!
//! Anything else (an object with no key or several, an unknown type, a value of the wrong kind
//! under a known type, `{"NULL": false}`, an `N` that is not a decimal number) is an
//! [`ItemError`] naming the path of the attribute, such as `items.3.price`.
//!
//! ## Numbers
//!
//! A DynamoDB number has up to 38 significant digits; a JSON number here is an `i64`, a `u64`
//! or an `f64`. A number becomes a JSON number when it *fits exactly: the number written back
//! is the same decimal number*, and stays a string otherwise, so that no digit is lost:
//!
//! - an integer within `i64` or `u64` becomes that integer, however it is spelt: `"3"`,
//!   `"-0"`, `"3.0"` and `"1e3"` give `3`, `0`, `3` and `1000`;
//! - any other number becomes the nearest `f64` when `serde_json` writes that `f64` as the same
//!   decimal number: `"1.5"` gives `1.5`, and `"0.1"` gives `0.1` (the `f64` nearest to 0.1
//!   is written `0.1`);
//! - everything else stays the string DynamoDB sent: `"12345678901234567890123"` (nearest
//!   `f64` written `1.2345678901234568e+22`), `"0.1000000000000000000001"` (nearest `f64`
//!   written `0.1`), `"1e400"` (no finite `f64`).
//!
//! "The same decimal number" compares sign, significant digits and exponent of the two texts,
//! digit by digit; no float arithmetic takes part in the comparison.
//!
//! # From plain JSON to DynamoDB
//!
//! A string becomes `S`, a number `N` (its text as `serde_json` writes it), a boolean `BOOL`,
//! `null` becomes `{"NULL": true}`, an array `L` and an object `M`. Sets (`SS`, `NS`, `BS`)
//! and binary (`B`) are never produced from plain JSON: an array is always a list and a string
//! always a string, so a set read from DynamoDB is written back as a list, and a number kept as
//! a string is written back as `S`. To write a set, build its AttributeValue directly, such as
//! `json!({"SS": ["a", "b"]})`.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Number, Value};

/// Why an item could not be converted: the path of the attribute and the cause.
///
/// Its message reads "at `items.3.price`: invalid type: string \"x\", expected u32": attribute
/// names and list indexes joined by `.`. An error about the item as a whole has no path.
#[derive(Debug)]
pub struct ItemError {
    path: String,
    message: String,
}

impl ItemError {
    fn at(path: &Path<'_>, message: impl Into<String>) -> Self {
        ItemError {
            path: path.to_string(),
            message: message.into(),
        }
    }

    /// The path of the attribute the error is about, such as `items.3.price`; empty when it is
    /// about the item as a whole.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The cause, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at `{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ItemError {}

/// Plain JSON value -> DynamoDB AttributeValue JSON (`{"S": ..}`, `{"N": "3"}`, `{"BOOL": ..}`,
/// `{"NULL": true}`, `{"L": [..]}`, `{"M": {..}}`). Never produces a set or `B`; see the
/// [module documentation](self).
pub fn to_attribute_value(value: &Value) -> Value {
    attribute_value(value.clone())
}

/// DynamoDB AttributeValue JSON -> plain JSON value, by the rules of the
/// [module documentation](self).
pub fn from_attribute_value(value: &Value) -> Result<Value, ItemError> {
    plain(value, &Path::Root)
}

/// A serde value, which must serialize to a JSON object, -> an item: a map of attribute name ->
/// AttributeValue JSON.
pub fn to_item<T: serde::Serialize + ?Sized>(value: &T) -> Result<Map<String, Value>, ItemError> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(attribute_map(map)),
        Ok(other) => Err(ItemError::at(
            &Path::Root,
            format!(
                "an item must serialize to a JSON object, found {}",
                kind(&other)
            ),
        )),
        Err(e) => Err(ItemError::at(
            &Path::Root,
            format!("the item cannot be serialized: {e}"),
        )),
    }
}

/// An item (a map of attribute name -> AttributeValue JSON) -> a serde type.
pub fn from_item<T: DeserializeOwned>(item: &Map<String, Value>) -> Result<T, ItemError> {
    let plain = Value::Object(plain_map(item, &Path::Root)?);
    T::deserialize(PathDeserializer {
        value: &plain,
        path: &Path::Root,
    })
    .map_err(|e| ItemError {
        path: e.path.unwrap_or_default(),
        message: e.message,
    })
}

/// Same as [`from_item`] for an item held as a [`Value`], which must be an object.
pub fn from_item_value<T: DeserializeOwned>(item: Value) -> Result<T, ItemError> {
    match item {
        Value::Object(map) => from_item(&map),
        other => Err(ItemError::at(
            &Path::Root,
            format!(
                "an item is a JSON object of attributes, found {}",
                kind(&other)
            ),
        )),
    }
}

fn attribute_value(value: Value) -> Value {
    let (tag, inner) = match value {
        Value::Null => ("NULL", Value::Bool(true)),
        Value::Bool(b) => ("BOOL", Value::Bool(b)),
        Value::Number(n) => ("N", Value::String(n.to_string())),
        Value::String(s) => ("S", Value::String(s)),
        Value::Array(items) => (
            "L",
            Value::Array(items.into_iter().map(attribute_value).collect()),
        ),
        Value::Object(map) => ("M", Value::Object(attribute_map(map))),
    };
    let mut out = Map::new();
    out.insert(tag.to_owned(), inner);
    Value::Object(out)
}

fn attribute_map(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .map(|(k, v)| (k, attribute_value(v)))
        .collect()
}

fn plain_map(map: &Map<String, Value>, path: &Path<'_>) -> Result<Map<String, Value>, ItemError> {
    map.iter()
        .map(|(key, value)| Ok((key.clone(), plain(value, &Path::Key(path, key))?)))
        .collect()
}

fn plain(value: &Value, path: &Path<'_>) -> Result<Value, ItemError> {
    let Value::Object(map) = value else {
        return Err(ItemError::at(
            path,
            format!(
                "expected an AttributeValue such as {{\"S\": \"text\"}}, found {}",
                kind(value)
            ),
        ));
    };
    let mut entries = map.iter();
    let (tag, inner) = match (entries.next(), entries.next()) {
        (Some(entry), None) => entry,
        _ => {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            return Err(ItemError::at(
                path,
                format!(
                    "an AttributeValue has exactly one key, its type, found {} keys {keys:?}",
                    keys.len()
                ),
            ));
        }
    };
    match tag.as_str() {
        "S" | "B" => Ok(Value::String(string(inner, tag, path)?.to_owned())),
        "N" => number(string(inner, tag, path)?, path),
        "BOOL" => match inner {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            _ => Err(wrong_kind(tag, "a boolean", inner, path)),
        },
        "NULL" => match inner {
            Value::Bool(true) => Ok(Value::Null),
            _ => Err(wrong_kind(tag, "`true`", inner, path)),
        },
        "L" => array(inner, tag, path)?
            .iter()
            .enumerate()
            .map(|(i, member)| plain(member, &Path::Index(path, i)))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        "M" => match inner {
            Value::Object(map) => plain_map(map, path).map(Value::Object),
            _ => Err(wrong_kind(tag, "an object", inner, path)),
        },
        "SS" | "BS" => array(inner, tag, path)?
            .iter()
            .enumerate()
            .map(|(i, member)| {
                Ok(Value::String(
                    string(member, tag, &Path::Index(path, i))?.to_owned(),
                ))
            })
            .collect::<Result<_, _>>()
            .map(Value::Array),
        "NS" => array(inner, tag, path)?
            .iter()
            .enumerate()
            .map(|(i, member)| {
                let path = Path::Index(path, i);
                number(string(member, tag, &path)?, &path)
            })
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Err(ItemError::at(
            path,
            format!(
                "unknown AttributeValue type `{other}`: expected one of S, N, B, BOOL, NULL, L, M, SS, NS, BS"
            ),
        )),
    }
}

fn string<'v>(value: &'v Value, tag: &str, path: &Path<'_>) -> Result<&'v str, ItemError> {
    value
        .as_str()
        .ok_or_else(|| wrong_kind(tag, "a string", value, path))
}

fn array<'v>(value: &'v Value, tag: &str, path: &Path<'_>) -> Result<&'v [Value], ItemError> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(wrong_kind(tag, "an array", value, path)),
    }
}

fn wrong_kind(tag: &str, expected: &str, found: &Value, path: &Path<'_>) -> ItemError {
    ItemError::at(
        path,
        format!("`{tag}` holds {expected}, found {}", kind(found)),
    )
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A DynamoDB number as plain JSON: a JSON number when it fits exactly, else its text.
fn number(text: &str, path: &Path<'_>) -> Result<Value, ItemError> {
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
struct Decimal {
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
    fn parse(text: &str) -> Option<Decimal> {
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

/// Where a value sits in an item: attribute names and list indexes from the top.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (parent, separator) = match self {
            Path::Root => return Ok(()),
            Path::Key(parent, _) | Path::Index(parent, _) => (
                parent,
                if matches!(parent, Path::Root) {
                    ""
                } else {
                    "."
                },
            ),
        };
        write!(f, "{parent}{separator}")?;
        match self {
            Path::Key(_, key) => f.write_str(key),
            Path::Index(_, index) => write!(f, "{index}"),
            Path::Root => Ok(()),
        }
    }
}

/// An error while reading a plain JSON value into a serde type, with the path of the innermost
/// value it is about.
#[derive(Debug)]
struct DeError {
    path: Option<String>,
    message: String,
}

impl DeError {
    /// Names `path` unless a value further in was already named.
    fn at(mut self, path: &Path<'_>) -> Self {
        if self.path.is_none() {
            self.path = Some(path.to_string());
        }
        self
    }

    fn from_json(error: serde_json::Error) -> Self {
        de::Error::custom(error)
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DeError {
            path: None,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

/// Deserializes a plain JSON value as `serde_json` does, and names the path of the value an
/// error is about. Scalars and enums are read by `serde_json` itself; arrays and objects here,
/// so that each member knows its path.
struct PathDeserializer<'de, 'p> {
    value: &'de Value,
    path: &'p Path<'p>,
}

impl<'de> de::Deserializer<'de> for PathDeserializer<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match self.value {
            Value::Array(items) => {
                let mut seq = Members {
                    items: items.iter().enumerate(),
                    path: self.path,
                };
                visitor
                    .visit_seq(&mut seq)
                    .and_then(|value| match seq.items.len() {
                        0 => Ok(value),
                        _ => Err(de::Error::invalid_length(
                            items.len(),
                            &"fewer elements in array",
                        )),
                    })
            }
            Value::Object(map) => {
                let mut entries = Entries {
                    iter: map.iter(),
                    pending: None,
                    path: self.path,
                };
                visitor
                    .visit_map(&mut entries)
                    .and_then(|value| match entries.iter.len() {
                        0 => Ok(value),
                        _ => Err(de::Error::invalid_length(
                            map.len(),
                            &"fewer elements in map",
                        )),
                    })
            }
            scalar => {
                de::Deserializer::deserialize_any(scalar, visitor).map_err(DeError::from_json)
            }
        };
        result.map_err(|e| e.at(self.path))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let path = self.path;
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|e| e.at(path))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let path = self.path;
        visitor.visit_newtype_struct(self).map_err(|e| e.at(path))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_enum(self.value, name, variants, visitor)
            .map_err(|e| DeError::from_json(e).at(self.path))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// The members of an array, each with its index in the path.
struct Members<'de, 'p> {
    items: std::iter::Enumerate<std::slice::Iter<'de, Value>>,
    path: &'p Path<'p>,
}

impl<'de> SeqAccess<'de> for Members<'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some((index, value)) = self.items.next() else {
            return Ok(None);
        };
        let path = Path::Index(self.path, index);
        seed.deserialize(PathDeserializer { value, path: &path })
            .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The entries of an object, each value with its key in the path.
struct Entries<'de, 'p> {
    iter: serde_json::map::Iter<'de>,
    pending: Option<(&'de str, &'de Value)>,
    path: &'p Path<'p>,
}

impl<'de> MapAccess<'de> for Entries<'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.pending = Some((key, value));
        seed.deserialize(KeyDeserializer { key })
            .map(Some)
            .map_err(|e| e.at(&Path::Key(self.path, key)))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((key, value)) = self.pending.take() else {
            return Err(de::Error::custom(
                "a map value was asked for before its key",
            ));
        };
        let path = Path::Key(self.path, key);
        seed.deserialize(PathDeserializer { value, path: &path })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An object key: a string, or a number or boolean written as one (as `serde_json` reads the
/// keys of a `HashMap<u32, _>`).
struct KeyDeserializer<'de> {
    key: &'de str,
}

macro_rules! parse_key {
    ($($method:ident => $visit:ident($ty:ty),)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match self.key.parse::<$ty>() {
                Ok(parsed) => visitor.$visit(parsed),
                Err(_) => Err(de::Error::invalid_value(de::Unexpected::Str(self.key), &visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for KeyDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_str(self.key)
    }

    parse_key! {
        deserialize_bool => visit_bool(bool),
        deserialize_i8 => visit_i8(i8),
        deserialize_i16 => visit_i16(i16),
        deserialize_i32 => visit_i32(i32),
        deserialize_i64 => visit_i64(i64),
        deserialize_i128 => visit_i128(i128),
        deserialize_u8 => visit_u8(u8),
        deserialize_u16 => visit_u16(u16),
        deserialize_u32 => visit_u32(u32),
        deserialize_u64 => visit_u64(u64),
        deserialize_u128 => visit_u128(u128),
        deserialize_f32 => visit_f32(f32),
        deserialize_f64 => visit_f64(f64),
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_enum(IntoDeserializer::<DeError>::into_deserializer(self.key))
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests;
