//! Printing: one Markdown table per scenario (so a run pastes into docs/PERFORMANCE.md),
//! with ratios against the baseline row measured in the same run.

use std::fmt::Write as _;
use std::time::Duration;

use crate::load::Stats;

/// A table being built.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns.
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The Markdown text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "| {} |", self.header.join(" | "));
        let _ = writeln!(
            out,
            "|{}",
            self.header.iter().map(|_| " --- |").collect::<String>()
        );
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out
    }
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// A signed difference in microseconds.
pub fn added_us(d: Duration, base: Duration) -> String {
    let delta = d.as_secs_f64() - base.as_secs_f64();
    format!("{:+.0}", delta * 1e6)
}

/// `a / b` with two decimals.
pub fn ratio(a: f64, b: f64) -> String {
    if b == 0.0 {
        "n/a".into()
    } else {
        format!("{:.2}", a / b)
    }
}

/// The standard row of a load run: requests/s, p50, p99, errors.
pub fn load_row(name: &str, s: &Stats, base: Option<&Stats>) -> Vec<String> {
    vec![
        name.to_owned(),
        format!("{:.0}", s.rps),
        ms(s.p50),
        ms(s.p99),
        base.map_or_else(|| "1.00".into(), |b| ratio(s.rps, b.rps)),
        base.map_or_else(|| "+0".into(), |b| added_us(s.p50, b.p50)),
        base.map_or_else(|| "+0".into(), |b| added_us(s.p99, b.p99)),
        format!("{:.1}", s.bytes_per_sec / 1e6),
        s.errors.to_string(),
    ]
}

/// The columns of [`load_row`].
pub const LOAD_COLUMNS: &[&str] = &[
    "path",
    "req/s",
    "p50 ms",
    "p99 ms",
    "throughput ratio",
    "added p50 µs",
    "added p99 µs",
    "MB/s",
    "errors",
];

/// Peak resident memory of process `pid` so far (VmHWM), in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// Mebibytes with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}
