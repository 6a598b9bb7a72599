//! How an operation's result is written into its checkpoint and read back: JSON by default, or
//! a [`SerDes`] of your own.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::failure::DurableError;

/// Writes a result as the text of its checkpoint and reads it back on replay. The default is
/// JSON (serde_json); give one of your own where the saved text must be another (a compact or
/// encrypted form, the format another SDK reads).
pub trait SerDes<T>: Send + Sync {
    /// The text saved for `value`.
    fn serialize(&self, value: &T) -> Result<String, DurableError>;
    /// The value `text` was saved for.
    fn deserialize(&self, text: &str) -> Result<T, DurableError>;
}

/// A [`SerDes`] from two functions: `ser(&value)` and `de(&text)`, each failing with a message.
pub fn serdes<T, S, D>(ser: S, de: D) -> Arc<dyn SerDes<T>>
where
    T: 'static,
    S: Fn(&T) -> Result<String, String> + Send + Sync + 'static,
    D: Fn(&str) -> Result<T, String> + Send + Sync + 'static,
{
    Arc::new(FnSerDes { ser, de })
}

struct FnSerDes<S, D> {
    ser: S,
    de: D,
}

impl<T, S, D> SerDes<T> for FnSerDes<S, D>
where
    S: Fn(&T) -> Result<String, String> + Send + Sync,
    D: Fn(&str) -> Result<T, String> + Send + Sync,
{
    fn serialize(&self, value: &T) -> Result<String, DurableError> {
        (self.ser)(value).map_err(DurableError::serialization)
    }

    fn deserialize(&self, text: &str) -> Result<T, DurableError> {
        (self.de)(text).map_err(DurableError::serialization)
    }
}

/// JSON, the default.
pub(crate) struct Json;

impl<T: Serialize + DeserializeOwned> SerDes<T> for Json {
    fn serialize(&self, value: &T) -> Result<String, DurableError> {
        crate::context::to_payload(value)
    }

    fn deserialize(&self, text: &str) -> Result<T, DurableError> {
        serde_json::from_str(if text.is_empty() { "null" } else { text }).map_err(|e| {
            DurableError::serialization(format!(
                "a saved result does not read as {}: {e}",
                std::any::type_name::<T>()
            ))
        })
    }
}
