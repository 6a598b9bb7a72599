//! An `init` function that fails: the error is reported to Lambda's `/runtime/init/error`
//! with `errorType` `ConfigError` and the process exits with a failure status, before any
//! event is asked for. Set `INIT_ERROR_OK=1` to let it start (and then echo events).
//!
//! Send any event; without `INIT_ERROR_OK` the invocation fails with the init error.

use std::fmt;

#[derive(Debug)]
struct ConfigError {
    variable: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the environment variable `{}` is not set", self.variable)
    }
}

struct Config;

fn load_config() -> Result<Config, ConfigError> {
    match std::env::var_os("INIT_ERROR_OK") {
        Some(_) => Ok(Config),
        None => Err(ConfigError {
            variable: "INIT_ERROR_OK",
        }),
    }
}

#[ruchy_lambda::handler(init = load_config)]
fn handle(event: Vec<u8>, _config: &Config) -> Vec<u8> {
    event
}
