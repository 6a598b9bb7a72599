//! A small blocking AWS client for Lambda functions.

pub mod dynamodb;
pub mod s3;
