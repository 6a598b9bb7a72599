use std::time::{Duration, SystemTime};

use super::*;
use crate::extension_event::ExtensionEvent;
use crate::invocation::Outcome;
use crate::logging::LogFormat;

fn ms(hundredths: u64) -> Duration {
    Duration::from_micros(hundredths * 10)
}

#[test]
fn report_line_matches_lambda() {
    let line = report_line(
        "fe5a4a4a-d4a4-4d89-996b-64a9c91d6718",
        ms(258),
        128,
        14,
        Some(ms(845)),
    );
    assert_eq!(
        line,
        "REPORT RequestId: fe5a4a4a-d4a4-4d89-996b-64a9c91d6718\tDuration: 2.58 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 14 MB\tInit Duration: 8.45 ms\t"
    );
    let warm = report_line("r", ms(258), 256, 20, None);
    assert_eq!(
        warm,
        "REPORT RequestId: r\tDuration: 2.58 ms\tBilled Duration: 3 ms\tMemory Size: 256 MB\tMax Memory Used: 20 MB\t"
    );
}

#[test]
fn billing_rounds_up() {
    let cases = [
        (Duration::ZERO, None, 1),
        (Duration::from_nanos(1), None, 1),
        (Duration::from_millis(1), None, 1),
        (Duration::from_nanos(1_000_001), None, 2),
        (ms(258), None, 3),
        (ms(258), Some(ms(845)), 12),
        (ms(100), Some(ms(200)), 3),
        (Duration::from_secs(3), None, 3000),
        (Duration::from_secs(3), Some(ms(1)), 3001),
    ];
    for (d, init, billed) in cases {
        assert_eq!(billed_duration_ms(d, init), billed, "{d:?} {init:?}");
    }
}

#[test]
fn formats() {
    assert_eq!(format_ms(Duration::ZERO), "0.00");
    assert_eq!(format_ms(Duration::from_nanos(4_999)), "0.00");
    assert_eq!(format_ms(Duration::from_nanos(5_000)), "0.01");
    assert_eq!(format_ms(Duration::from_micros(1_234_567)), "1234.57");
    assert_eq!(format_seconds(Duration::from_secs(3)), "3.00");
    assert_eq!(format_seconds(Duration::from_millis(1500)), "1.50");
    assert_eq!(
        timeout_message("abc", Duration::from_secs(3)),
        "abc Task timed out after 3.00 seconds"
    );
    assert_eq!(start_line("abc"), "START RequestId: abc Version: $LATEST");
    assert_eq!(end_line("abc"), "END RequestId: abc");
    assert_eq!(
        (kb_to_mb(0), kb_to_mb(1), kb_to_mb(1024), kb_to_mb(1025)),
        (0, 1, 1, 2)
    );
}

fn report(outcome: Outcome, init: Option<Duration>) -> InvocationReport {
    InvocationReport {
        request_id: "fe5a4a4a-d4a4-4d89-996b-64a9c91d6718".into(),
        outcome,
        duration: Duration::from_micros(2_584),
        init_duration: init,
        restore_duration: None,
        memory_size_mb: 128,
        max_memory_used_kb: Some(14 * 1024),
        timeout: Duration::from_secs(3),
        exit: None,
        // 2026-11-27T17:00:00.123Z
        finished_at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_798_800_123),
        stream: None,
    }
}

#[test]
fn json_records_match_lambda() {
    let cold = report(Outcome::Response(b"{}".to_vec()), Some(ms(845)));
    assert_eq!(
        cold.report_record(),
        r#"{"time":"2026-11-27T17:00:00.123Z","type":"platform.report","record":{"requestId":"fe5a4a4a-d4a4-4d89-996b-64a9c91d6718","metrics":{"durationMs":2.584,"billedDurationMs":12,"memorySizeMB":128,"maxMemoryUsedMB":14,"initDurationMs":8.45},"status":"success"}}"#
    );
    assert_eq!(cold.platform_records(), [cold.report_record()]);
    assert_eq!(cold.finish_log(LogFormat::Json), [cold.report_record()]);
    assert_eq!(
        cold.finish_log(LogFormat::Text),
        [cold.end_line(), cold.report_line()]
    );
    let warm = report(Outcome::Response(Vec::new()), None);
    assert!(
        warm.report_record()
            .contains(r#""maxMemoryUsedMB":14},"status":"success"}}"#),
        "{}",
        warm.report_record()
    );
    assert_eq!(
        start_record(
            "abc",
            "arn:aws:lambda:us-east-1:012345678912:function:f",
            cold.finished_at
        ),
        r#"{"time":"2026-11-27T17:00:00.123Z","type":"platform.start","record":{"requestId":"abc","functionArn":"arn:aws:lambda:us-east-1:012345678912:function:f","version":"$LATEST"}}"#
    );
    assert_eq!(start_log(LogFormat::Text, "abc", "arn"), start_line("abc"));
    let json: serde_json::Value =
        serde_json::from_str(&start_log(LogFormat::Json, "abc", "arn")).unwrap();
    assert_eq!(json["record"]["requestId"], "abc");
}

#[test]
fn restored_reports_carry_the_restore_duration() {
    let mut r = report(Outcome::Response(Vec::new()), None);
    r.duration = Duration::from_micros(2_338_660);
    r.restore_duration = Some(Duration::from_micros(181_200));
    // As on Lambda: Billed Duration = Duration + Billed Restore Duration, rounded up.
    assert_eq!(
        r.report_line(),
        "REPORT RequestId: fe5a4a4a-d4a4-4d89-996b-64a9c91d6718\tDuration: 2338.66 ms\tBilled Duration: 2521 ms\tMemory Size: 128 MB\tMax Memory Used: 14 MB\tRestore Duration: 181.20 ms\tBilled Restore Duration: 182 ms\t"
    );
    let record: serde_json::Value = serde_json::from_str(&r.report_record()).unwrap();
    let metrics = &record["record"]["metrics"];
    assert_eq!(metrics["restoreDurationMs"], 181.2);
    assert_eq!(metrics["billedRestoreDurationMs"], 182);
    assert_eq!(metrics["billedDurationMs"], 2521);
    assert!(metrics.get("initDurationMs").is_none());
}

#[test]
fn lifecycle_lines_match_lambda() {
    let ms = |hundredths: u64| Duration::from_micros(hundredths * 10);
    let cases = [
        (
            Lifecycle::InitStart {
                snap_start: false,
                function_name: "orders".into(),
                region: "eu-west-1".into(),
            },
            "INIT_START Runtime Version: provided:al2023.local\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:local",
        ),
        (
            Lifecycle::InitReport {
                duration: ms(12_345),
                end: PhaseEnd::Success,
            },
            "INIT_REPORT Init Duration: 123.45 ms",
        ),
        (
            Lifecycle::InitReport {
                duration: ms(188_255),
                end: PhaseEnd::Error("Runtime.BeforeSnapshotError".into()),
            },
            "INIT_REPORT Init Duration: 1882.55 ms\tPhase: init\tStatus: error\tError Type: Runtime.BeforeSnapshotError",
        ),
        (
            Lifecycle::RestoreStart {
                region: "eu-west-1".into(),
            },
            "RESTORE_START Runtime Version: provided:al2023.local\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:local",
        ),
        (
            Lifecycle::RestoreReport {
                duration: ms(51_125),
                end: PhaseEnd::Success,
            },
            "RESTORE_REPORT Restore Duration: 511.25 ms",
        ),
        (
            Lifecycle::RestoreReport {
                duration: ms(123_604),
                end: PhaseEnd::Error("Runtime.AfterRestoreError".into()),
            },
            "RESTORE_REPORT Restore Duration: 1236.04 ms\tStatus: error\tError Type: Runtime.AfterRestoreError",
        ),
        (
            Lifecycle::Extension {
                name: "shutdown".into(),
                ready: true,
                events: vec![ExtensionEvent::Invoke, ExtensionEvent::Shutdown],
            },
            "EXTENSION\tName: shutdown\tState: Ready\tEvents: [INVOKE, SHUTDOWN]",
        ),
        (
            Lifecycle::Extension {
                name: "quiet".into(),
                ready: false,
                events: Vec::new(),
            },
            "EXTENSION\tName: quiet\tState: Registered\tEvents: []",
        ),
    ];
    let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_798_800_123);
    for (event, line) in cases {
        assert_eq!(event.line(), line);
        assert_eq!(event.log(LogFormat::Text), line);
        let record: serde_json::Value = serde_json::from_str(&event.record(at)).unwrap();
        assert_eq!(record["time"], "2026-11-27T17:00:00.123Z");
        assert!(record["type"].as_str().unwrap().starts_with("platform."));
    }
    let failed = Lifecycle::RestoreReport {
        duration: ms(100),
        end: PhaseEnd::Error("Runtime.AfterRestoreError".into()),
    };
    assert_eq!(
        failed.record(at),
        r#"{"time":"2026-11-27T17:00:00.123Z","type":"platform.restoreReport","record":{"status":"error","errorType":"Runtime.AfterRestoreError","metrics":{"durationMs":1.0}}}"#
    );
    let init = Lifecycle::InitReport {
        duration: ms(12_345),
        end: PhaseEnd::Success,
    };
    assert_eq!(
        init.record(at),
        r#"{"time":"2026-11-27T17:00:00.123Z","type":"platform.initReport","record":{"initializationType":"snap-start","phase":"init","status":"success","metrics":{"durationMs":123.45}}}"#
    );
    // As CloudWatch shows it, and as the Telemetry API names the fields.
    let start = |snap_start| Lifecycle::InitStart {
        snap_start,
        function_name: "orders".into(),
        region: "us-east-1".into(),
    };
    assert_eq!(
        start(false).record(at),
        r#"{"time":"2026-11-27T17:00:00.123Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"provided:al2023.local","runtimeVersionArn":"arn:aws:lambda:us-east-1::runtime:local","functionName":"orders","functionVersion":"$LATEST"}}"#
    );
    let snap: serde_json::Value = serde_json::from_str(&start(true).record(at)).unwrap();
    assert_eq!(snap["record"]["initializationType"], "snap-start");
    assert_eq!(start(true).line(), start(false).line());
}

#[test]
fn json_records_carry_the_status_and_error_type() {
    let error = crate::ErrorReport::lambda(Some("MyError"), "order 7 is empty");
    let exit = crate::ErrorReport::lambda(Some("Runtime.ExitError"), "exited");
    let cases = [
        (Outcome::Response(Vec::new()), "success", None),
        (Outcome::Error(error), "error", Some("MyError")),
        (Outcome::TimedOut, "timeout", None),
        (Outcome::Failed(exit), "failure", Some("Runtime.ExitError")),
        (
            Outcome::Abandoned,
            "failure",
            Some("Runtime.InvalidStateTransition"),
        ),
    ];
    for (outcome, status, error_type) in cases {
        let r = report(outcome, None);
        assert_eq!((r.status(), r.error_type()), (status, error_type));
        let record: serde_json::Value = serde_json::from_str(&r.report_record()).unwrap();
        assert_eq!(record["record"]["status"], status);
        assert_eq!(record["record"]["errorType"].as_str(), error_type);
        // Text: Lambda's own lines about the failure come before END.
        let text = r.finish_log(LogFormat::Text);
        assert_eq!(text[..text.len() - 2], r.platform_lines()[..]);
    }
}
