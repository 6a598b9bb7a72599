//! `ListDurableExecutionsByFunction`: a function's executions, filtered and paged.

use super::super::super::connection::Reply;
use super::super::super::invoke_api::function_not_found;
use super::super::super::{Deployed, Served};
use super::super::shapes::{ExecutionSummary, ExecutionsPage};
use super::super::store::ExecutionStatus;
use super::{MAX_ITEMS, Query, invalid, ok, paged};

/// A timestamp of a query: ISO 8601 (`2026-01-02T03:04:05Z`, what botocore sends), or seconds
/// since the epoch.
fn query_time(text: &str) -> Option<f64> {
    if let Ok(seconds) = text.parse::<f64>() {
        return Some(seconds);
    }
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (date.next()??, date.next()??, date.next()??);
    let (time, offset) = match time.find(['Z', '+']).or_else(|| time.rfind('-')) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, "Z"),
    };
    let mut hms = time.splitn(3, ':');
    let h: f64 = hms.next()?.parse().ok()?;
    let min: f64 = hms.next()?.parse().ok()?;
    let s: f64 = hms.next().unwrap_or("0").parse().ok()?;
    let offset_seconds = match offset {
        "Z" | "" => 0.0,
        o => {
            let sign = if o.starts_with('-') { -1.0 } else { 1.0 };
            let mut parts = o[1..].split(':');
            let oh: f64 = parts.next()?.parse().ok()?;
            let om: f64 = parts.next().unwrap_or("0").parse().ok()?;
            sign * (oh * 3600.0 + om * 60.0)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3600.0 + min * 60.0 + s - offset_seconds)
}

pub(super) fn list(served: &Served, name: &str, query: &Query) -> Result<Reply, Reply> {
    let function: &Deployed = served
        .find(name, query.get("Qualifier"))
        .map_err(|arn| function_not_found(&arn))?;
    let statuses: Vec<&str> = query.all("Statuses").collect();
    for status in &statuses {
        if !ExecutionStatus::ALL.iter().any(|s| s.as_str() == *status)
            && !["DELETING", "PAUSING", "PAUSED"].contains(status)
        {
            return Err(invalid(&format!(
                "Statuses: `{status}` is not one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, \
                 STOPPED, DELETING, PAUSING, PAUSED"
            )));
        }
    }
    let time = |key: &str| -> Result<Option<f64>, Reply> {
        query
            .get(key)
            .map(|t| query_time(t).ok_or_else(|| invalid(&format!("{key}: not a time: `{t}`"))))
            .transpose()
    };
    let (after, before) = (time("StartedAfter")?, time("StartedBefore")?);
    let named = query.get("DurableExecutionName");
    let reverse = query.flag("ReverseOrder", false)?;
    let store = served.durable.lock();
    let mut found: Vec<ExecutionSummary<'_>> = store
        .of_function(&function.name)
        .filter(|e| statuses.is_empty() || statuses.contains(&e.status.as_str()))
        .filter(|e| named.is_none_or(|n| e.name == n))
        .filter(|e| after.is_none_or(|t| e.start >= t))
        .filter(|e| before.is_none_or(|t| e.start <= t))
        .map(ExecutionSummary::of)
        .collect();
    if reverse {
        found.reverse();
    }
    let (page, next) = paged(&found, query, MAX_ITEMS)?;
    Ok(ok(&ExecutionsPage {
        durable_executions: page,
        next_marker: next,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_times_read_iso_8601_and_seconds() {
        assert_eq!(query_time("0"), Some(0.0));
        assert_eq!(query_time("1970-01-02T00:00:00Z"), Some(86_400.0));
        assert_eq!(query_time("2026-12-07T00:10:00Z"), Some(1_796_602_200.0));
        assert_eq!(
            query_time("2026-12-07T01:10:00+01:00"),
            Some(1_796_602_200.0)
        );
        assert_eq!(query_time("yesterday"), None);
    }
}
