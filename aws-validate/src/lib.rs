//! Validation of ruchy-lambda on real AWS Lambda, and the parsers it rests on.
//!
//! The suite itself is `tests/aws.rs`: it runs only with `RUCHY_LAMBDA_AWS_TESTS=1` and AWS
//! credentials, deploys the `minimal` and `fibonacci` examples with `deploy/deploy.sh` for each
//! architecture, forces cold starts, and writes `target/aws-validation.md`. This library holds
//! what it needs and what can be tested without an AWS account:
//!
//! - [`report`]: the CloudWatch `REPORT` line (`Duration`, `Billed Duration`, `Memory Size`,
//!   `Max Memory Used`, `Init Duration` on cold starts).
//! - [`invoke`]: the JSON that `aws lambda invoke --log-type Tail` prints, whose `LogResult` is
//!   the base64 of the log's last 4 KB, ending with the `REPORT` line.
//! - [`stats`]: mean, median, min and max.
//! - [`table`]: the figures as a markdown table, one row per example, architecture and memory size.
//! - [`suite`]: the run itself, through the AWS CLI and `deploy/*.sh`.
//!
//! ```
//! use ruchy_lambda_aws_validate::report::Report;
//!
//! let line = "REPORT RequestId: fe5a4a4a-d4a4-4d89-996b-64a9c91d6718\tDuration: 2.58 ms\t\
//!             Billed Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 14 MB\t\
//!             Init Duration: 8.45 ms\t";
//! let report: Report = line.parse()?;
//! assert_eq!(report.init_duration_ms, Some(8.45));
//! assert!(report.is_cold());
//! # Ok::<(), ruchy_lambda_aws_validate::report::ReportError>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod invoke;
pub mod report;
pub mod stats;
pub mod suite;
pub mod table;
