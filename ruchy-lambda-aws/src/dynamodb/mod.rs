//! DynamoDB.

pub mod item;
