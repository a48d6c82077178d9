//! What the machine is and what the process used: `/proc` on Linux (`None` elsewhere), and the
//! date of the run.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::normalize::date::Date;

/// The machine a run happened on.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// CPU model (`/proc/cpuinfo`), or "unknown".
    pub cpu: String,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Worker threads used.
    pub threads: usize,
    /// Total RAM in bytes (`/proc/meminfo`), if known.
    pub ram_bytes: Option<u64>,
    /// Operating system.
    pub os: &'static str,
    /// 1, 5 and 15-minute load averages at the start and at the end (`/proc/loadavg`).
    pub load_average_start: Option<[f64; 3]>,
    /// See `load_average_start`.
    pub load_average_end: Option<[f64; 3]>,
}

impl Machine {
    /// The machine now, with `threads` worker threads and the load average `load_start` taken
    /// at the start of the run.
    pub fn now(threads: usize, load_start: Option<[f64; 3]>) -> Machine {
        Machine {
            cpu: cpu_model().unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            threads,
            ram_bytes: meminfo_total(),
            os: std::env::consts::OS,
            load_average_start: load_start,
            load_average_end: load_average(),
        }
    }
}

/// Reads a `/proc` file; `None` when it does not exist (another platform) or cannot be read.
fn read(path: impl AsRef<Path>) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The first `model name` of `/proc/cpuinfo`.
pub fn cpu_model() -> Option<String> {
    read("/proc/cpuinfo")?
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
}

/// The value in bytes of the line `key` (with its colon, e.g. `VmHWM:`) of a `/proc` status
/// file's text, whose values are in kB (`VmHWM:     123456 kB`); `None` when the key is absent
/// or its value is not a number.
pub fn proc_bytes(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line[key.len()..].split_whitespace().next()?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Total RAM (`MemTotal` of `/proc/meminfo`), in bytes.
pub fn meminfo_total() -> Option<u64> {
    proc_bytes(&read("/proc/meminfo")?, "MemTotal:")
}

/// The process's peak resident set size (`VmHWM` of `/proc/self/status`), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    proc_bytes(&read("/proc/self/status")?, "VmHWM:")
}

/// The 1, 5 and 15-minute load averages (`/proc/loadavg`).
pub fn load_average() -> Option<[f64; 3]> {
    parse_loadavg(&read("/proc/loadavg")?)
}

/// The three load averages at the start of a `/proc/loadavg` text (`0.52 0.58 0.59 1/467 12`).
pub fn parse_loadavg(text: &str) -> Option<[f64; 3]> {
    let mut it = text.split_whitespace().map(str::parse::<f64>);
    Some([it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?])
}

/// The current UTC time in ISO 8601 (`2025-07-01T08:30:00Z`); see [`iso_utc`].
pub fn utc_now() -> String {
    iso_utc(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// Excel serial number (1900 system) of 1970-01-01.
const EXCEL_UNIX_EPOCH: u64 = 25_569;

/// A Unix time (seconds since 1970-01-01 UTC) in ISO 8601 (`2025-07-01T08:30:00Z`). The
/// calendar date comes from [`Date::from_excel_serial`], which covers 1927 to 2100; outside
/// those years the time is written as `@` and the seconds (`@4133980800`).
pub fn iso_utc(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let date = u32::try_from(days + EXCEL_UNIX_EPOCH).ok().and_then(Date::from_excel_serial);
    match date {
        Some(d) => format!("{d}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60),
        None => format!("@{secs}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_8601_utc() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(20_270 * 86_400 + 8 * 3600 + 30 * 60 + 5), "2025-07-01T08:30:05Z");
        assert_eq!(iso_utc(11_016 * 86_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso_utc(4_133_980_800), "@4133980800");
    }

    #[test]
    fn proc_files_parse() {
        let status = "Name:\tvnlink\nVmPeak:\t  2048 kB\nVmHWM:\t    1500 kB\n";
        assert_eq!(proc_bytes(status, "VmHWM:"), Some(1_536_000));
        assert_eq!(proc_bytes(status, "VmRSS:"), None);
        assert_eq!(proc_bytes("VmHWM: lots kB", "VmHWM:"), None);
        assert_eq!(parse_loadavg("0.52 0.58 0.59 1/467 12\n"), Some([0.52, 0.58, 0.59]));
        assert_eq!(parse_loadavg("0.52"), None);
    }
}
