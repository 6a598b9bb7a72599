//! The error of this crate.

use std::fmt;

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A call refused before it was sent, or an answer that makes no sense (a page marker
    /// answered twice): what is wrong.
    Invalid(String),
    /// A JSON value that does not serialize or does not read as its shape.
    Json(serde_json::Error),
    /// The call to Lambda failed: no answer, an error answer, or an answer not of the shape
    /// expected.
    #[cfg(feature = "client")]
    Aws(ruchy_lambda_aws::Error),
}

#[cfg_attr(not(feature = "client"), allow(dead_code))]
impl Error {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(message) => f.write_str(message),
            Error::Json(e) => write!(f, "JSON: {e}"),
            #[cfg(feature = "client")]
            Error::Aws(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Invalid(_) => None,
            Error::Json(e) => Some(e),
            #[cfg(feature = "client")]
            Error::Aws(e) => Some(e),
        }
    }
}

#[cfg(feature = "client")]
impl From<ruchy_lambda_aws::Error> for Error {
    fn from(e: ruchy_lambda_aws::Error) -> Self {
        Error::Aws(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Json(e)
    }
}
