//! Soak accounting: resident memory (`/proc/self/statm`), live heap bytes (the counting
//! allocator) and open descriptors (`/proc/self/fd`) sampled between rounds, and the verdict that
//! they stayed flat after warm-up.
//!
//! Samples are taken between rounds, when no runtime exists, so a runtime's own threads, epoll
//! and eventfd descriptors are not counted; anything a round leaked is. The verdict compares the
//! highest sample in the first quarter after warm-up with the highest in the last quarter: RSS
//! may grow by at most [`RSS_TOLERANCE_PCT`] percent or [`RSS_TOLERANCE_KIB`] (whichever is more,
//! for allocator noise), live heap by at most [`HEAP_TOLERANCE_KIB`] (the harness's own sample
//! list grows a little), descriptors by at most [`FD_TOLERANCE`].

use std::time::Duration;

pub const RSS_TOLERANCE_PCT: u64 = 10;
pub const RSS_TOLERANCE_KIB: u64 = 1024;
pub const HEAP_TOLERANCE_KIB: u64 = 64;
pub const FD_TOLERANCE: usize = 2;

/// One measurement.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub at: Duration,
    pub rss_kib: u64,
    pub heap_kib: u64,
    pub fds: usize,
}

impl Sample {
    pub fn take(at: Duration) -> Sample {
        Sample {
            at,
            rss_kib: rss_kib(),
            heap_kib: crate::alloc::live_bytes() as u64 / 1024,
            fds: open_fds(),
        }
    }
}

/// Resident set size in KiB (second field of `/proc/self/statm`, in pages).
pub fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions; it only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * u64::try_from(page).unwrap_or(4096) / 1024
}

/// Open file descriptors of this process (entries of `/proc/self/fd`, minus the one the
/// directory listing itself holds).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count().saturating_sub(1))
        .unwrap_or(0)
}

/// Whether RSS and descriptor counts stayed flat after `warmup`; `Err` says what grew.
pub fn verdict(samples: &[Sample], warmup: Duration) -> Result<String, String> {
    let after: Vec<&Sample> = samples.iter().filter(|s| s.at >= warmup).collect();
    if after.len() < 4 {
        return Err(format!(
            "soak: only {} samples after warm-up; run longer",
            after.len()
        ));
    }
    let quarter = after.len() / 4;
    let (first, last) = (&after[..quarter], &after[after.len() - quarter..]);
    let max_rss = |w: &[&Sample]| w.iter().map(|s| s.rss_kib).max().unwrap();
    let max_fds = |w: &[&Sample]| w.iter().map(|s| s.fds).max().unwrap();
    let (rss0, rss1) = (max_rss(first), max_rss(last));
    let (fd0, fd1) = (max_fds(first), max_fds(last));
    let max_heap = |w: &[&Sample]| w.iter().map(|s| s.heap_kib).max().unwrap();
    let (heap0, heap1) = (max_heap(first), max_heap(last));
    let allowed = (rss0 * RSS_TOLERANCE_PCT / 100).max(RSS_TOLERANCE_KIB);
    let report = format!(
        "RSS {rss0} KiB -> {rss1} KiB (allowed +{allowed} KiB), live heap {heap0} KiB -> {heap1} KiB (allowed +{HEAP_TOLERANCE_KIB} KiB), open fds {fd0} -> {fd1} (allowed +{FD_TOLERANCE}), {} samples after warm-up",
        after.len()
    );
    let heap_grew = heap1 > heap0 + HEAP_TOLERANCE_KIB;
    if rss1 > rss0 + allowed || heap_grew || fd1 > fd0 + FD_TOLERANCE {
        Err(format!("soak: grew after warm-up: {report}"))
    } else {
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(rss: &[u64], fds: &[usize]) -> Vec<Sample> {
        let at = |i| Duration::from_secs(i as u64 * 5);
        rss.iter()
            .zip(fds)
            .enumerate()
            .map(|(i, (&r, &f))| Sample {
                at: at(i),
                rss_kib: r,
                heap_kib: 100,
                fds: f,
            })
            .collect()
    }

    #[test]
    fn flat_passes_and_growth_fails() {
        let flat = series(&[50_000; 12], &[5; 12]);
        assert!(verdict(&flat, Duration::ZERO).is_ok());
        let leak: Vec<u64> = (0..12).map(|i| 50_000 + i * 2_000).collect();
        assert!(verdict(&series(&leak, &[5; 12]), Duration::ZERO).is_err());
        let mut fds = [5; 12];
        fds[11] = 9;
        assert!(verdict(&series(&[50_000; 12], &fds), Duration::ZERO).is_err());
    }

    #[test]
    fn the_process_has_memory_and_descriptors() {
        assert!(rss_kib() > 0);
        assert!(open_fds() >= 3);
    }
}
