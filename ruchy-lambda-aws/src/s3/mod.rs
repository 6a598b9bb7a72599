//! S3.

pub(crate) mod key;
pub(crate) mod xml;

pub use xml::ObjectSummary;
