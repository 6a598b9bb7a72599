//! `wait`: time passing without the function running.

use std::time::Duration;

use crate::context::{DurableContext, Name};
use crate::failure::{DurableError, ErrorKind};
use crate::model::{Operation, OperationAction, OperationStatus, OperationSubType, WaitOptions};

impl DurableContext {
    /// Waits `duration` (whole seconds, at least 1): the wait's start is saved and the execution
    /// suspends; Lambda invokes the function again when it is over, and the replay goes past
    /// it. Nothing is billed meanwhile.
    pub fn wait(&self, name: impl Into<Name>, duration: Duration) -> Result<(), DurableError> {
        let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
        if seconds < 1 {
            return Err(DurableError::message(
                ErrorKind::Validation,
                "duration must be at least 1 second",
            ));
        }
        let seconds = u32::try_from(seconds).map_err(|_| {
            DurableError::message(ErrorKind::Validation, "a wait is at most u32::MAX seconds")
        })?;
        let ident = self.begin(name.into(), OperationSubType::Wait)?;
        let mut saved = self.saved(&ident)?;
        if saved.is_none() {
            let mut start = ident.update(OperationAction::Start);
            start.wait_options = Some(WaitOptions::new(seconds));
            self.state.checkpoint(start)?;
            saved = self.state.get(&ident.id);
        }
        match saved {
            Some(operation) if operation.status == OperationStatus::Succeeded => Ok(()),
            operation => {
                let until = operation.as_ref().and_then(scheduled_end);
                Err(self.suspend(
                    until.or(Some(crate::context::now() + f64::from(seconds))),
                    format!("wait {} is not over", ident.label()),
                ))
            }
        }
    }
}

fn scheduled_end(operation: &Operation) -> Option<f64> {
    operation
        .wait_details
        .as_ref()
        .and_then(|d| d.scheduled_end_timestamp)
        .map(|t| t.0)
}
