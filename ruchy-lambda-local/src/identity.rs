//! What the local Lambda says its function is, wherever it is named: the runtime's environment,
//! the extensions' registration response, the `START` line and the JSON records.

/// The function version this local Lambda runs: always `$LATEST`.
pub const VERSION: &str = "$LATEST";

/// The handler name the runtime gets in `_HANDLER` (and extensions in their registration
/// response): always `bootstrap`, as for `provided.*` runtimes.
pub const HANDLER: &str = "bootstrap";
