//! What `#[handler]` generates for a durable handler calls (`fn(input, &DurableContext)`): the
//! event read as a durable invocation's, the execution run on the durable execution API through
//! the blocking AWS client, the reply the execution's status.

use std::sync::{Arc, OnceLock};

pub use ruchy_lambda_durable::HandlerOutcome;
use ruchy_lambda_durable::model::InvocationInput;
use ruchy_lambda_durable::{Checkpoints, DurableApi, DurableContext, DurableError, ErrorObject};
use ruchy_lambda_runtime_core::{Diagnostic, Invocation};

/// The error type of an event that is not a durable invocation's.
pub const NOT_DURABLE: &str = "NotADurableInvocation";

/// The durable execution API of this process: one client, made at the first durable
/// invocation (credentials, region and `AWS_ENDPOINT_URL_LAMBDA` from the environment).
fn api() -> Result<Arc<dyn DurableApi>, Diagnostic> {
    static API: OnceLock<Result<Arc<Checkpoints>, String>> = OnceLock::new();
    let made = API.get_or_init(|| {
        ruchy_lambda_aws::Client::from_env()
            .map(|client| Arc::new(Checkpoints::new(&client)))
            .map_err(|e| e.to_string())
    });
    match made {
        Ok(api) => Ok(Arc::clone(api) as Arc<dyn DurableApi>),
        Err(e) => Err(Diagnostic::new(
            "DurableClientError",
            format!("cannot make the client of the durable execution API: {e}"),
        )),
    }
}

/// Runs one durable invocation with `handler` and writes its reply.
pub fn durable_invocation<F>(
    invocation: &Invocation,
    reply: &mut Vec<u8>,
    handler: F,
) -> Result<(), Diagnostic>
where
    F: FnOnce(Option<&str>, &DurableContext) -> HandlerOutcome,
{
    let input: InvocationInput = serde_json::from_slice(&invocation.body).map_err(|e| {
        Diagnostic::new(
            NOT_DURABLE,
            format!(
                "the event is not a durable execution's ({e}): is the function configured as durable (DurableConfig)?"
            ),
        )
    })?;
    let output = ruchy_lambda_durable::execute(input, api()?, handler).map_err(|e| {
        let object = e.error_object();
        Diagnostic::new(
            object
                .error_type
                .unwrap_or_else(|| "CheckpointError".into()),
            object.error_message.unwrap_or_default(),
        )
    })?;
    serde_json::to_writer(reply, &output)
        .map_err(|e| Diagnostic::new(super::SERIALIZATION_ERROR, e.to_string()))
}

/// The execution's input as `T`, or the outcome that fails the execution.
pub fn durable_input<T: serde::de::DeserializeOwned>(
    payload: Option<&str>,
    _type_name: &str,
) -> Result<T, HandlerOutcome> {
    ruchy_lambda_durable::read_input(payload).map_err(|e| HandlerOutcome::Failed(e.error_object()))
}

/// The handler's result as the execution's.
pub fn durable_output<T: serde::Serialize + ?Sized>(output: &T) -> HandlerOutcome {
    match serde_json::to_string(output) {
        Ok(json) => HandlerOutcome::Succeeded(json),
        Err(e) => HandlerOutcome::Failed(ErrorObject::new(
            "SerDesError",
            format!("the result does not serialize: {e}"),
        )),
    }
}

/// Borrows a durable handler's error to record it: as the [`DurableError`] or [`ErrorObject`]
/// it is, else as its diagnostic (the `errorType` and message of any handler error), by autoref
/// specialization.
pub struct DurableFailure<'a, E: ?Sized>(pub &'a E);

/// A [`DurableError`]: recorded as the operation's (`StepError`, …) or the user's.
pub trait ViaDurableError {
    /// The error as recorded.
    fn __error_object(&self, diagnostic: Diagnostic) -> ErrorObject;
}

impl ViaDurableError for DurableFailure<'_, DurableError> {
    fn __error_object(&self, _: Diagnostic) -> ErrorObject {
        self.0.error_object()
    }
}

/// An [`ErrorObject`]: recorded as it is.
pub trait ViaErrorObject {
    /// The error as recorded.
    fn __error_object(&self, diagnostic: Diagnostic) -> ErrorObject;
}

impl ViaErrorObject for DurableFailure<'_, ErrorObject> {
    fn __error_object(&self, _: Diagnostic) -> ErrorObject {
        self.0.clone()
    }
}

/// Any other error: its diagnostic.
pub trait ViaDiagnostic {
    /// The error as recorded.
    fn __error_object(&self, diagnostic: Diagnostic) -> ErrorObject;
}

impl<E: ?Sized> ViaDiagnostic for &DurableFailure<'_, E> {
    fn __error_object(&self, diagnostic: Diagnostic) -> ErrorObject {
        ErrorObject::new(diagnostic.error_type, diagnostic.error_message)
    }
}
