//! Spawning a runtime process with the Lambda environment (`AWS_LAMBDA_RUNTIME_API`,
//! `AWS_LAMBDA_METADATA_API`, `AWS_LAMBDA_FUNCTION_NAME`, …), and discarding it.

use crate::identity;
use crate::ids;
use crate::logging::LogFormat;
use crate::report::Lifecycle;
use crate::sandbox::Sandbox;

use super::{Function, FunctionError};

// For the links in the docs.
#[cfg(doc)]
use super::FunctionConfig;

impl Function {
    /// The Lambda environment given to the runtime (before [`FunctionConfig::env`]); the log
    /// stream name is fresh each time.
    pub fn lambda_environment(&self) -> Vec<(String, String)> {
        let c = &self.config;
        let pairs = [
            ("AWS_LAMBDA_RUNTIME_API", self.server.runtime_api()),
            ("AWS_LAMBDA_METADATA_API", self.server.metadata_api()),
            (
                "AWS_LAMBDA_METADATA_TOKEN",
                self.server.metadata_token().to_owned(),
            ),
            ("AWS_LAMBDA_FUNCTION_NAME", c.name.clone()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", c.memory_mb.to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION", identity::VERSION.to_owned()),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", c.name),
            ),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                ids::log_stream_name(identity::VERSION),
            ),
            (
                "AWS_LAMBDA_INITIALIZATION_TYPE",
                if c.snap_start {
                    "snap-start"
                } else {
                    "on-demand"
                }
                .to_owned(),
            ),
            ("_HANDLER", identity::HANDLER.to_owned()),
            ("LAMBDA_TASK_ROOT", self.task_root.display().to_string()),
            ("AWS_REGION", c.region.clone()),
            ("AWS_DEFAULT_REGION", c.region.clone()),
            ("TZ", ":UTC".to_owned()),
        ];
        let mut env: Vec<(String, String)> =
            pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        if c.concurrency > 1 {
            env.push((
                "AWS_LAMBDA_MAX_CONCURRENCY".to_owned(),
                c.concurrency.to_string(),
            ));
        }
        env.push((
            "AWS_LAMBDA_LOG_FORMAT".to_owned(),
            c.log_format.as_str().to_owned(),
        ));
        if c.log_format == LogFormat::Json {
            env.push((
                "AWS_LAMBDA_LOG_LEVEL".to_owned(),
                c.effective_log_level().as_str().to_owned(),
            ));
        }
        env
    }

    pub(super) fn spawn(&mut self) -> Result<Sandbox, FunctionError> {
        self.server.reset_sandbox();
        let mut env = self.lambda_environment();
        env.extend(self.config.env.iter().cloned());
        // Init begins: written before the process starts, so that it precedes all its output.
        self.emit(Lifecycle::InitStart {
            snap_start: self.config.snap_start,
            function_name: self.config.name.clone(),
            region: self.config.region.clone(),
        });
        let sandbox = Sandbox::spawn(
            &self.path,
            &self.task_root,
            &env,
            self.config.clear_env,
            self.config.own_process_group,
            &self.output,
        )
        .map_err(|source| FunctionError::Spawn {
            path: self.path.clone(),
            source,
        })?;
        self.sandboxes_started += 1;
        Ok(sandbox)
    }

    /// Kills and reaps the process, and closes what is left of its connections.
    pub(super) fn discard(&self, sandbox: Sandbox) {
        // Dropping it kills the process (if it still runs) and passes on the rest of its output.
        drop(sandbox);
        self.server.reset_sandbox();
    }
}
