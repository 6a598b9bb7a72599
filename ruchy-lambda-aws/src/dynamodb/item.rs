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

mod number;
mod path;

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

#[cfg(test)]
use number::Decimal;
use number::number;
use path::{Path, PathDeserializer};

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

#[cfg(test)]
mod tests;
