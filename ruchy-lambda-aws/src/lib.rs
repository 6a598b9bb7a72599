//! A small blocking AWS client for Lambda functions.

pub mod dynamodb;
