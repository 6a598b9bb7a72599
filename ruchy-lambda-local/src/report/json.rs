//! The system records of the JSON log format: the `{"time":…,"type":…,"record":…}` envelope,
//! and the `platform.start` record.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::identity::VERSION;
use crate::ids;

/// A duration in milliseconds with three decimals, as in the JSON records: `2.584`.
pub(super) fn json_ms(d: Duration) -> f64 {
    let micros = (d.as_nanos() + 500) / 1_000;
    micros as f64 / 1_000.0
}

/// A system record of the JSON log format: `{"time":…,"type":…,"record":…}`.
#[derive(Serialize)]
struct SystemRecord<'a, R> {
    time: String,
    #[serde(rename = "type")]
    kind: &'a str,
    record: R,
}

pub(super) fn system_record(at: SystemTime, kind: &str, record: impl Serialize) -> String {
    let record = SystemRecord {
        time: ids::utc_timestamp(at),
        kind,
        record,
    };
    serde_json::to_string(&record).unwrap_or_default()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlatformStart<'a> {
    request_id: &'a str,
    function_arn: &'a str,
    version: &'a str,
}

/// The `platform.start` record of the JSON log format, at `at`:
/// `{"time":…,"type":"platform.start","record":{"requestId":…,"functionArn":…,"version":"$LATEST"}}`.
pub fn start_record(request_id: &str, function_arn: &str, at: SystemTime) -> String {
    let record = PlatformStart {
        request_id,
        function_arn,
        version: VERSION,
    };
    system_record(at, "platform.start", record)
}
