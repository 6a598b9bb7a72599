//! Why a [`Function`](super::Function) could not be run: [`FunctionError`].

use std::fmt;
use std::io;
use std::path::PathBuf;

// For the links in the docs.
#[cfg(doc)]
use {super::Function, crate::invocation::Outcome};

/// Why a [`Function`] could not be run. A function that fails is not an error here: its failure
/// is the [`Outcome`] of the invocation.
#[derive(Debug)]
#[non_exhaustive]
pub enum FunctionError {
    /// The Runtime API server could not listen.
    Bind(io::Error),
    /// The bootstrap could not be started.
    Spawn {
        /// The bootstrap.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The server no longer has a record of the invocation (its history was cleared while the
    /// invocation ran).
    RecordMissing {
        /// The request id.
        request_id: String,
    },
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FunctionError::Bind(e) => write!(f, "cannot start the Runtime API server: {e}"),
            FunctionError::Spawn { path, source } => {
                write!(f, "cannot start bootstrap {}: {source}", path.display())
            }
            FunctionError::RecordMissing { request_id } => {
                write!(f, "no record of invocation {request_id}")
            }
        }
    }
}

impl std::error::Error for FunctionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FunctionError::Bind(e) | FunctionError::Spawn { source: e, .. } => Some(e),
            FunctionError::RecordMissing { .. } => None,
        }
    }
}
