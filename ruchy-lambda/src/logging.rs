//! The `log` facade (feature `log`, on by default) and `tracing` (feature `tracing`) in the
//! function's log format: each record one line with the time, the level, the request id of the
//! invocation that wrote it, the message and its fields (see
//! [`ruchy_lambda_runtime_core::logs`]).
//!
//! Installed by every `run` function before `init` runs, unless a logger (or a `tracing`
//! subscriber) is installed already. To install your own, build without the feature:
//! `ruchy-lambda = { …, default-features = false }` (and install it in `main`, or in `init`).

#[cfg(any(feature = "log", feature = "tracing"))]
use ruchy_lambda_runtime_core::logs::{self, Level};

/// Puts the format and level from the environment in force and installs the loggers this
/// build has. Calling it again does nothing more.
pub(crate) fn install() {
    #[cfg(feature = "log")]
    log_facade::install();
    #[cfg(feature = "tracing")]
    tracing_facade::install();
}

#[cfg(feature = "log")]
mod log_facade {
    use super::{Level, logs};

    struct Logger;

    static LOGGER: Logger = Logger;

    fn level(level: log::Level) -> Level {
        match level {
            log::Level::Error => Level::Error,
            log::Level::Warn => Level::Warn,
            log::Level::Info => Level::Info,
            log::Level::Debug => Level::Debug,
            log::Level::Trace => Level::Trace,
        }
    }

    /// The `log` filter for a least severe level (`FATAL` has no `log` level: `ERROR` is the
    /// closest that lets `FATAL` through).
    fn filter(least: Option<Level>) -> log::LevelFilter {
        match least {
            None => log::LevelFilter::Off,
            Some(Level::Trace) => log::LevelFilter::Trace,
            Some(Level::Debug) => log::LevelFilter::Debug,
            Some(Level::Info) => log::LevelFilter::Info,
            Some(Level::Warn) => log::LevelFilter::Warn,
            Some(Level::Error | Level::Fatal) => log::LevelFilter::Error,
        }
    }

    impl log::Log for Logger {
        fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
            logs::enabled(level(metadata.level()))
        }

        fn log(&self, record: &log::Record<'_>) {
            let level = level(record.level());
            if !logs::enabled(level) {
                return;
            }
            #[cfg(feature = "log-kv")]
            {
                let source = record.key_values();
                if source.count() > 0 {
                    return logs::write(
                        level,
                        *record.args(),
                        Some(&mut |fields| {
                            let _ = source.visit(&mut kv_fields::Pairs(fields));
                        }),
                    );
                }
            }
            logs::write(level, *record.args(), None);
        }

        fn flush(&self) {}
    }

    #[cfg(feature = "log-kv")]
    mod kv_fields {
        use super::logs;
        use log::kv::{self, VisitSource};

        /// `log` key-values as the record's fields, numbers and booleans as JSON numbers and
        /// booleans.
        pub(super) struct Pairs<'a, 'f>(pub(super) &'a mut logs::Fields<'f>);

        impl<'kvs> VisitSource<'kvs> for Pairs<'_, '_> {
            fn visit_pair(
                &mut self,
                key: kv::Key<'kvs>,
                value: kv::Value<'kvs>,
            ) -> Result<(), kv::Error> {
                let key = key.as_str();
                if let Some(v) = value.to_borrowed_str() {
                    self.0.str(key, v);
                } else if let Some(v) = value.to_bool() {
                    self.0.bool(key, v);
                } else if let Some(v) = value.to_u64() {
                    self.0.u64(key, v);
                } else if let Some(v) = value.to_i64() {
                    self.0.i64(key, v);
                } else if let Some(v) = value.to_f64() {
                    self.0.f64(key, v);
                } else {
                    self.0.display(key, &value);
                }
                Ok(())
            }
        }
    }

    pub(super) fn install() {
        let settings = logs::init_from_env();
        if log::set_logger(&LOGGER).is_ok() {
            log::set_max_level(filter(settings.level));
        }
    }
}

#[cfg(feature = "tracing")]
mod tracing_facade {
    use super::{Level, logs};
    use std::fmt;
    use tracing_core::field::{Field, Visit};
    use tracing_core::span::{self, Attributes, Id, Record};
    use tracing_core::{Dispatch, Event, Interest, LevelFilter, Metadata, Subscriber};

    /// Events become records; spans are not recorded (their fields are not added to the events
    /// inside them).
    struct LambdaSubscriber;

    fn level(level: &tracing_core::Level) -> Level {
        match *level {
            tracing_core::Level::ERROR => Level::Error,
            tracing_core::Level::WARN => Level::Warn,
            tracing_core::Level::INFO => Level::Info,
            tracing_core::Level::DEBUG => Level::Debug,
            _ => Level::Trace,
        }
    }

    impl Subscriber for LambdaSubscriber {
        fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
            if self.enabled(metadata) {
                Interest::always()
            } else {
                Interest::never()
            }
        }

        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.is_event() && logs::enabled(level(metadata.level()))
        }

        fn max_level_hint(&self) -> Option<LevelFilter> {
            Some(match logs::settings().level {
                None => LevelFilter::OFF,
                Some(Level::Trace) => LevelFilter::TRACE,
                Some(Level::Debug) => LevelFilter::DEBUG,
                Some(Level::Info) => LevelFilter::INFO,
                Some(Level::Warn) => LevelFilter::WARN,
                Some(Level::Error | Level::Fatal) => LevelFilter::ERROR,
            })
        }

        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }

        fn record(&self, _: &Id, _: &Record<'_>) {}

        fn record_follows_from(&self, _: &Id, _: &Id) {}

        fn event(&self, event: &Event<'_>) {
            let level = level(event.metadata().level());
            if !logs::enabled(level) {
                return;
            }
            let mut message = Message(String::new());
            event.record(&mut message);
            logs::write(
                level,
                format_args!("{}", message.0),
                Some(&mut |fields| event.record(&mut Values(fields))),
            );
        }

        fn enter(&self, _: &span::Id) {}

        fn exit(&self, _: &span::Id) {}
    }

    /// The event's `message` field: the text of `tracing::info!("…")`.
    struct Message(String);

    impl Visit for Message {
        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "message" {
                self.0.push_str(value);
            }
        }

        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            if field.name() == "message" {
                use fmt::Write as _;
                let _ = write!(self.0, "{value:?}");
            }
        }
    }

    /// Every other field, numbers and booleans as JSON numbers and booleans.
    struct Values<'a, 'f>(&'a mut logs::Fields<'f>);

    impl Visit for Values<'_, '_> {
        fn record_i64(&mut self, field: &Field, value: i64) {
            self.0.i64(field.name(), value);
        }

        fn record_u64(&mut self, field: &Field, value: u64) {
            self.0.u64(field.name(), value);
        }

        fn record_f64(&mut self, field: &Field, value: f64) {
            self.0.f64(field.name(), value);
        }

        fn record_bool(&mut self, field: &Field, value: bool) {
            self.0.bool(field.name(), value);
        }

        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() != "message" {
                self.0.str(field.name(), value);
            }
        }

        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            if field.name() != "message" {
                self.0.debug(field.name(), value);
            }
        }
    }

    pub(super) fn install() {
        logs::init_from_env();
        let _ = tracing_core::dispatcher::set_global_default(Dispatch::new(LambdaSubscriber));
    }
}
