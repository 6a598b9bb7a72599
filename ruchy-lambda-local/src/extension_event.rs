//! The events an extension registers for with the Extensions API (`INVOKE`, `SHUTDOWN`): named
//! by the server, which delivers them, and by the lifecycle lines, which list them.

/// An event an extension can register for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionEvent {
    /// `INVOKE`: sent when an invocation is handed out to the runtime.
    Invoke,
    /// `SHUTDOWN`: sent when the execution environment is shut down.
    Shutdown,
}

impl ExtensionEvent {
    /// `INVOKE` or `SHUTDOWN`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionEvent::Invoke => "INVOKE",
            ExtensionEvent::Shutdown => "SHUTDOWN",
        }
    }

    /// The event named `name` (exactly `INVOKE` or `SHUTDOWN`, as Lambda spells them).
    pub fn from_name(name: &str) -> Option<ExtensionEvent> {
        match name {
            "INVOKE" => Some(ExtensionEvent::Invoke),
            "SHUTDOWN" => Some(ExtensionEvent::Shutdown),
            _ => None,
        }
    }
}
