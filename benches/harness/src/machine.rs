//! What the benchmark ran on: CPU, cores, load, toolchain, date.

use std::process::Command;
use std::time::SystemTime;

/// A description of the machine and toolchain, read when the run starts.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub rustc: String,
    pub cargo: String,
    pub date: String,
    pub load_at_start: Option<[f64; 3]>,
}

impl Machine {
    pub fn read(cargo: &str) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown CPU".to_owned(), |(_, v)| v.trim().to_owned());
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Machine {
            cpu,
            cores,
            rustc: first_line("rustc", &["-V"]),
            cargo: first_line(cargo, &["-V"]),
            date: ruchy_lambda_local::utc_timestamp(SystemTime::now()),
            load_at_start: load_average(),
        }
    }
}

/// The 1, 5 and 15 minute load averages from `/proc/loadavg`.
pub fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_owned))
        .unwrap_or_else(|| format!("{program}: unknown version"))
}

/// The host target triple (`rustc -vV`).
pub fn host_triple() -> Option<String> {
    let output = Command::new("rustc").arg("-vV").output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
}

/// CPU time so far, in clock ticks: of the whole machine (user, nice, system: all cores), and of
/// this process with its reaped children (the bootstraps).
#[derive(Debug, Clone, Copy)]
pub struct CpuTimes {
    total: u64,
    busy: u64,
    own: u64,
}

impl CpuTimes {
    pub fn now() -> Option<CpuTimes> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let cpu: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .map(|f| f.parse().ok())
            .collect::<Option<_>>()?;
        let field = |i: usize| cpu.get(i).copied().unwrap_or(0);
        // user nice system idle iowait irq softirq steal
        let busy = field(0) + field(1) + field(2);
        let total = (0..8).map(field).sum();
        let own_stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let fields: Vec<&str> = own_stat.rsplit_once(')')?.1.split_whitespace().collect();
        let own = (11..15)
            .map(|i| fields.get(i)?.parse::<u64>().ok())
            .sum::<Option<u64>>()?;
        Some(CpuTimes { total, busy, own })
    }

    /// The share of the machine's CPU time since `earlier` that went to other processes.
    pub fn others_since(self, earlier: CpuTimes) -> Option<f64> {
        let total = self.total.checked_sub(earlier.total)?;
        let busy = self.busy.checked_sub(earlier.busy)?;
        let own = self.own.checked_sub(earlier.own)?;
        (total > 0).then(|| busy.saturating_sub(own) as f64 / total as f64)
    }
}
