//! The operations of a [`DurableContext`](crate::DurableContext), one room each.

pub(crate) mod batch;
pub(crate) mod batch_config;
pub(crate) mod batch_result;
pub(crate) mod callback;
pub(crate) mod child;
pub(crate) mod condition;
pub(crate) mod invoke;
pub(crate) mod retry;
pub(crate) mod serdes;
pub(crate) mod step;
pub(crate) mod wait;
