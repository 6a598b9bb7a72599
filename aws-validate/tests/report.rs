//! The REPORT line and `aws lambda invoke --log-type Tail` parsers, on samples in the shapes
//! Lambda writes (values are illustrative).

use base64::Engine as _;
use ruchy_lambda_aws_validate::invoke::{InvokeError, InvokeOutput, parse_log_tail};
use ruchy_lambda_aws_validate::report::{Report, ReportError};
use ruchy_lambda_aws_validate::stats::Stats;
use ruchy_lambda_aws_validate::table::{self, Sample};

const ID: &str = "fe5a4a4a-d4a4-4d89-996b-64a9c91d6718";

fn cold_line() -> String {
    format!(
        "REPORT RequestId: {ID}\tDuration: 2.58 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\t\
         Max Memory Used: 14 MB\tInit Duration: 8.45 ms\t"
    )
}

fn warm_line(duration: &str) -> String {
    format!(
        "REPORT RequestId: {ID}\tDuration: {duration} ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t\
         Max Memory Used: 15 MB"
    )
}

fn log(lines: &[&str]) -> String {
    let mut log = String::new();
    for line in lines {
        log.push_str(line);
        log.push('\n');
    }
    log
}

fn invoke_json(log: &str, function_error: Option<&str>) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(log);
    let error = function_error.map_or(String::new(), |e| {
        format!("\n    \"FunctionError\": \"{e}\",")
    });
    format!(
        "{{\n    \"StatusCode\": 200,{error}\n    \"LogResult\": \"{encoded}\",\n    \"ExecutedVersion\": \"$LATEST\"\n}}\n"
    )
}

#[test]
fn cold_report_with_init_duration_and_trailing_tab() {
    let report: Report = cold_line().parse().unwrap();
    assert_eq!(
        report,
        Report {
            request_id: ID.into(),
            duration_ms: 2.58,
            billed_duration_ms: 12,
            memory_size_mb: 128,
            max_memory_used_mb: 14,
            init_duration_ms: Some(8.45),
        }
    );
    assert!(report.is_cold());
}

#[test]
fn warm_report_without_init_duration_or_trailing_tab() {
    let report: Report = warm_line("1.23").parse().unwrap();
    assert_eq!(report.duration_ms, 1.23);
    assert_eq!(report.billed_duration_ms, 2);
    assert_eq!(report.max_memory_used_mb, 15);
    assert_eq!(report.init_duration_ms, None);
    assert!(!report.is_cold());
    // A CRLF ending and a trailing TAB are both fine.
    let crlf: Report = format!("{}\t\r\n", warm_line("1.23")).parse().unwrap();
    assert_eq!(crlf, report);
}

#[test]
fn unknown_fields_are_skipped() {
    let line = format!("{}\tStatus: timeout\t", warm_line("3000.00"));
    let report: Report = line.parse().unwrap();
    assert_eq!(report.duration_ms, 3000.0);
}

#[test]
fn malformed_lines_give_clear_errors() {
    let cases: Vec<(String, ReportError)> = vec![
        (
            "START RequestId: x Version: $LATEST".into(),
            ReportError::NotAReport,
        ),
        ("".into(), ReportError::NotAReport),
        (
            "REPORT RequestId: \tDuration: 1.00 ms".into(),
            ReportError::EmptyRequestId,
        ),
        (
            format!(
                "REPORT RequestId: {ID}\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB"
            ),
            ReportError::MissingField("Duration"),
        ),
        (
            format!(
                "REPORT RequestId: {ID}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB"
            ),
            ReportError::MissingField("Max Memory Used"),
        ),
        (
            format!("{}\tDuration: 1.00 ms", warm_line("1.00")),
            ReportError::DuplicateField("Duration"),
        ),
        (
            warm_line("fast"),
            ReportError::InvalidValue {
                field: "Duration",
                value: "fast ms".into(),
                unit: "ms",
            },
        ),
        (
            warm_line("-1.00"),
            ReportError::InvalidValue {
                field: "Duration",
                value: "-1.00 ms".into(),
                unit: "ms",
            },
        ),
        (
            format!(
                "REPORT RequestId: {ID}\tDuration: 1.00 s\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB"
            ),
            ReportError::InvalidValue {
                field: "Duration",
                value: "1.00 s".into(),
                unit: "ms",
            },
        ),
        (
            format!(
                "REPORT RequestId: {ID}\tDuration: 1.00 ms\tBilled Duration: 1.5 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB"
            ),
            ReportError::InvalidValue {
                field: "Billed Duration",
                value: "1.5 ms".into(),
                unit: "ms",
            },
        ),
        (
            format!("REPORT RequestId: {ID}\tDuration: 1.00 ms\tgarbage\t"),
            ReportError::MalformedField("garbage".into()),
        ),
        (
            // Spaces where TABs belong.
            format!("REPORT RequestId: {ID} Duration: 1.00 ms Billed Duration: 1 ms"),
            ReportError::MalformedField(format!("{ID} Duration: 1.00 ms Billed Duration: 1 ms")),
        ),
    ];
    for (line, expected) in cases {
        let error = line.parse::<Report>().expect_err(&line);
        assert_eq!(error, expected, "{line:?}");
        let message = error.to_string();
        assert!(
            message.contains("REPORT") || message.contains("report"),
            "{message}"
        );
    }
    let message = warm_line("fast").parse::<Report>().unwrap_err().to_string();
    assert_eq!(
        message,
        "REPORT line's `Duration` is `fast ms`: expected a non-negative number followed by ` ms`"
    );
}

#[test]
fn invoke_output_with_a_cold_log_tail() {
    let log = log(&[
        "INIT_START Runtime Version: provided:al2023.v109\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0123abcd",
        &format!("START RequestId: {ID} Version: $LATEST"),
        "handler says hi",
        &format!("END RequestId: {ID}"),
        &cold_line(),
    ]);
    let output = InvokeOutput::from_json(&invoke_json(&log, None)).unwrap();
    assert_eq!(output.status_code, 200);
    assert_eq!(output.function_error, None);
    assert_eq!(output.executed_version.as_deref(), Some("$LATEST"));
    assert_eq!(output.log().unwrap(), log);
    let tail = output.tail().unwrap();
    assert_eq!(tail.report.init_duration_ms, Some(8.45));
    assert_eq!(tail.timed_out_after_s, None);
}

#[test]
fn xray_line_after_report_is_ignored() {
    let log = log(&[
        &format!("START RequestId: {ID} Version: $LATEST"),
        &format!("END RequestId: {ID}"),
        &warm_line("0.98"),
        "XRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1\tSegmentId: 07f5xmpl2d1f6f85\tSampled: true\t",
    ]);
    let tail = InvokeOutput::from_json(&invoke_json(&log, None))
        .unwrap()
        .tail()
        .unwrap();
    assert_eq!(tail.report.duration_ms, 0.98);
    assert!(!tail.report.is_cold());
}

#[test]
fn timeout_log() {
    let log = log(&[
        &format!("START RequestId: {ID} Version: $LATEST"),
        &format!("2024-05-01T10:00:03.012Z {ID} Task timed out after 3.00 seconds"),
        &format!("END RequestId: {ID}"),
        &format!(
            "REPORT RequestId: {ID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t"
        ),
    ]);
    let output = InvokeOutput::from_json(&invoke_json(&log, Some("Unhandled"))).unwrap();
    assert_eq!(output.function_error.as_deref(), Some("Unhandled"));
    let tail = output.tail().unwrap();
    assert_eq!(tail.timed_out_after_s, Some(3.0));
    assert_eq!(tail.report.duration_ms, 3000.0);
}

#[test]
fn log_tail_cut_inside_a_character_still_decodes() {
    // The 4 KB tail may start in the middle of a UTF-8 character.
    let mut bytes = "é".as_bytes()[1..].to_vec();
    bytes.extend_from_slice(log(&["tail of a handler's line", &warm_line("1.00")]).as_bytes());
    let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let json = format!(r#"{{"StatusCode":200,"LogResult":"{encoded}"}}"#);
    let tail = InvokeOutput::from_json(&json).unwrap().tail().unwrap();
    assert_eq!(tail.report.duration_ms, 1.0);
}

#[test]
fn broken_invoke_outputs() {
    assert!(matches!(
        InvokeOutput::from_json("not json"),
        Err(InvokeError::Json(_))
    ));
    assert!(matches!(
        InvokeOutput::from_json(r#"{"LogResult":"x"}"#),
        Err(InvokeError::Json(_))
    ));
    let no_log =
        InvokeOutput::from_json(r#"{"StatusCode":200,"ExecutedVersion":"$LATEST"}"#).unwrap();
    assert!(matches!(no_log.tail(), Err(InvokeError::NoLogResult)));
    let bad_base64 = InvokeOutput::from_json(r#"{"StatusCode":200,"LogResult":"%%%"}"#).unwrap();
    assert!(matches!(bad_base64.tail(), Err(InvokeError::Base64(_))));
    let no_report = log(&[&format!("START RequestId: {ID} Version: $LATEST")]);
    assert!(matches!(
        parse_log_tail(&no_report),
        Err(InvokeError::NoReport)
    ));
    let bad_report = log(&["REPORT RequestId: x\tDuration: soon"]);
    let error = parse_log_tail(&bad_report).unwrap_err();
    assert!(
        matches!(error, InvokeError::Report(ReportError::InvalidValue { .. })),
        "{error}"
    );
}

#[test]
fn table_of_cold_and_warm_samples() {
    let sample = |arch: &str, line: String| Sample {
        example: "minimal".into(),
        architecture: arch.into(),
        report: line.parse().unwrap(),
    };
    let mut cold2 = cold_line()
        .replace("8.45", "10.55")
        .replace("14 MB", "16 MB");
    cold2 = cold2.replace("2.58", "3.00");
    let samples = vec![
        sample("x86_64", cold_line()),
        sample("x86_64", cold2),
        sample("x86_64", warm_line("1.00")),
        sample("x86_64", warm_line("2.00")),
        sample("x86_64", warm_line("4.00")),
        sample("arm64", warm_line("1.50")),
    ];
    let rows = table::summarize(&samples);
    assert_eq!(rows.len(), 2);
    let x86 = &rows[0];
    assert_eq!(
        (x86.architecture.as_str(), x86.memory_size_mb),
        ("x86_64", 128)
    );
    assert_eq!(x86.cold_count(), 2);
    assert_eq!(x86.warm_count(), 3);
    assert_eq!(x86.init_duration, Stats::of(&[8.45, 10.55]));
    assert_eq!(x86.warm_duration.unwrap().median, 2.0);
    assert_eq!(x86.max_memory_used_mb, 16);
    assert_eq!(rows[1].cold_count(), 0);

    let markdown = table::markdown(&rows);
    let lines: Vec<&str> = markdown.lines().collect();
    assert_eq!(lines.len(), 4, "{markdown}");
    assert!(lines[0].starts_with("| example | architecture | memory (MB) | cold starts |"));
    assert_eq!(
        lines[2],
        "| minimal | x86_64 | 128 | 2 | 9.50 | 8.45 | 10.55 | 2.79 | 3 | 2.33 | 2.00 | 4.00 | 16 |"
    );
    assert_eq!(
        lines[3],
        "| minimal | arm64 | 128 | 0 | - | - | - | - | 1 | 1.50 | 1.50 | 1.50 | 15 |"
    );
    // Every row has as many cells as the header.
    let cells = |l: &str| l.matches('|').count();
    assert!(lines.iter().all(|l| cells(l) == cells(lines[0])));
}
