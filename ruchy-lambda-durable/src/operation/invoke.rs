//! `invoke`: another Lambda function called as an operation (`CHAINED_INVOKE`).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::{DurableContext, Name, from_payload, saved_error, to_payload};
use crate::failure::{DurableError, ErrorKind};
use crate::model::{ChainedInvokeOptions, OperationAction, OperationStatus, OperationSubType};

/// An invoke's settings.
#[derive(Debug, Clone, Default)]
pub struct InvokeConfig {
    tenant_id: Option<String>,
}

impl InvokeConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tenant the invoked function runs for (tenant isolation).
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }
}

impl DurableContext {
    /// Invokes `function_name` (a name, an ARN, qualified or not) with `payload`, through Lambda:
    /// the start is saved and the execution suspends until the function has answered; a replay
    /// returns its saved result. Its failure (or timeout, or stop) is a [`DurableError`] of kind
    /// [`ErrorKind::Invoke`] carrying the function's error.
    pub fn invoke<P, R>(
        &self,
        name: impl Into<Name>,
        function_name: &str,
        payload: &P,
    ) -> Result<R, DurableError>
    where
        P: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        self.invoke_with(name, function_name, payload, InvokeConfig::default())
    }

    /// [`invoke`](Self::invoke) with settings.
    pub fn invoke_with<P, R>(
        &self,
        name: impl Into<Name>,
        function_name: &str,
        payload: &P,
        config: InvokeConfig,
    ) -> Result<R, DurableError>
    where
        P: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let ident = self.begin(name.into(), OperationSubType::ChainedInvoke)?;
        let mut saved = self.saved(&ident)?;
        if saved.is_none() {
            let mut start = ident.update(OperationAction::Start);
            start.payload = Some(to_payload(payload)?);
            let mut options = ChainedInvokeOptions::new(function_name);
            options.tenant_id = config.tenant_id;
            start.chained_invoke_options = Some(options);
            self.state.checkpoint(start)?;
            saved = self.state.get(&ident.id);
        }
        let details = saved
            .as_ref()
            .and_then(|o| o.chained_invoke_details.as_ref());
        match saved.as_ref().map(|o| o.status) {
            Some(OperationStatus::Succeeded) => {
                from_payload(details.and_then(|d| d.result.as_deref()), &ident)
            }
            Some(
                OperationStatus::Failed | OperationStatus::TimedOut | OperationStatus::Stopped,
            ) => Err(DurableError::new(
                ErrorKind::Invoke,
                saved_error(details.and_then(|d| d.error.as_ref()), "invoke failed"),
            )),
            _ => Err(self.suspend(None, format!("invoke {} is still running", ident.label()))),
        }
    }
}
