//! How Lambda bills an invocation: durations rounded up to the millisecond, memory in whole MB.

use std::time::Duration;

/// The billed duration in whole milliseconds: the duration rounded up to the next millisecond,
/// with the init duration added first on a cold start (`provided.*` runtimes bill init), and at
/// least 1 ms.
pub fn billed_duration_ms(duration: Duration, init_duration: Option<Duration>) -> u64 {
    let total = duration + init_duration.unwrap_or_default();
    let nanos = total.as_nanos();
    let ms = nanos.div_ceil(1_000_000);
    u64::try_from(ms).unwrap_or(u64::MAX).max(1)
}

/// The billed restore duration in whole milliseconds: the restore duration rounded up (on
/// Lambda it is the runtime's part of the restore, its after-restore hooks; in this local
/// Lambda the two are the same span, `/restore/next` released → first `/invocation/next`).
pub fn billed_restore_duration_ms(restore: Duration) -> u64 {
    u64::try_from(restore.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

/// Memory in whole MB (MiB), rounded up, from kilobytes (kiB) as `/proc` reports them.
pub fn kb_to_mb(kb: u64) -> u64 {
    kb.div_ceil(1024)
}
