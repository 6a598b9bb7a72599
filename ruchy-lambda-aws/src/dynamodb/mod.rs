//! Amazon DynamoDB: its JSON protocol, and items to and from serde types.
//!
//! [`DynamoDb::call`] calls any operation with DynamoDB's own JSON (`{"S":"x"}`, `{"N":"3"}`);
//! [`get_item`](DynamoDb::get_item), [`put_item`](DynamoDb::put_item) and
//! [`delete_item`](DynamoDb::delete_item) take and give plain serde types, converted by
//! [`item`].

pub mod item;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::json::{JsonApi, JsonClient};

/// Amazon DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoDb {
    json: JsonClient,
}

impl Client {
    /// Amazon DynamoDB (endpoint: `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL`, or AWS's).
    pub fn dynamodb(&self) -> DynamoDb {
        DynamoDb {
            json: self.json(JsonApi::DYNAMODB),
        }
    }
}

impl DynamoDb {
    /// Calls any DynamoDB operation (`Query`, `UpdateItem`, `TransactWriteItems`…) with its
    /// input in DynamoDB's JSON; [`item::to_item`] and [`item::from_item`] convert items.
    pub fn call<I, O>(&self, operation: &str, input: &I) -> Result<O, Error>
    where
        I: Serialize + ?Sized,
        O: DeserializeOwned,
    {
        self.json.call(operation, input)
    }

    /// The item of `table` with this key (`{"id": "k3"}`, plain JSON), as `T`; `None` when
    /// there is none. A strongly consistent read when `consistent`.
    pub fn get_item<T, K>(&self, table: &str, key: &K, consistent: bool) -> Result<Option<T>, Error>
    where
        T: DeserializeOwned,
        K: Serialize + ?Sized,
    {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Input<'a> {
            table_name: &'a str,
            key: Map<String, Value>,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            consistent_read: bool,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Output {
            item: Option<Map<String, Value>>,
        }
        let input = Input {
            table_name: table,
            key: item::to_item(key).map_err(|e| request_error("GetItem key", &e))?,
            consistent_read: consistent,
        };
        let output: Output = self.json.call("GetItem", &input)?;
        output
            .item
            .map(|i| item::from_item(&i).map_err(|e| response_error("GetItem", &e)))
            .transpose()
    }

    /// Writes `value` (a serde type that serializes to an object) as an item of `table`.
    pub fn put_item<T: Serialize + ?Sized>(&self, table: &str, value: &T) -> Result<(), Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Input<'a> {
            table_name: &'a str,
            item: Map<String, Value>,
        }
        let input = Input {
            table_name: table,
            item: item::to_item(value).map_err(|e| request_error("PutItem item", &e))?,
        };
        self.json
            .call::<_, serde::de::IgnoredAny>("PutItem", &input)
            .map(drop)
    }

    /// Deletes the item of `table` with this key.
    pub fn delete_item<K: Serialize + ?Sized>(&self, table: &str, key: &K) -> Result<(), Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Input<'a> {
            table_name: &'a str,
            key: Map<String, Value>,
        }
        let input = Input {
            table_name: table,
            key: item::to_item(key).map_err(|e| request_error("DeleteItem key", &e))?,
        };
        self.json
            .call::<_, serde::de::IgnoredAny>("DeleteItem", &input)
            .map(drop)
    }

    /// Opens `connections` connections to DynamoDB now (see [`Client::connect_now`]).
    pub fn connect_now(&self, connections: usize) -> Result<(), Error> {
        self.json.connect_now(connections)
    }
}

fn request_error(what: &str, e: &item::ItemError) -> Error {
    Error::new(ErrorKind::Request, format!("{what}: {e}"))
}

fn response_error(what: &str, e: &item::ItemError) -> Error {
    Error::new(ErrorKind::Response, format!("{what}: {e}"))
}
