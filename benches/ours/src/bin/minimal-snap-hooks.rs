//! `minimal` with SnapStart's `before_snapshot` and `after_restore` hooks (that do nothing): run
//! around `/restore/next` under `AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`.

fn before_snapshot() {}

fn after_restore() {}

#[ruchy_lambda::handler(before_snapshot = before_snapshot, after_restore = after_restore)]
fn handle(_event: &str) -> &'static str {
    r#"{"statusCode":200,"body":"ok"}"#
}
