//! `start_paused = true` (feature `test-util`): the clock starts paused and jumps to each timer.
#![cfg(feature = "test-util")]

use std::time::Duration;

#[gort::test(start_paused = true)]
async fn an_hour_passes_in_an_instant() {
    let real = std::time::Instant::now();
    let start = gort::time::Instant::now();
    gort::time::sleep(Duration::from_secs(3600)).await;
    assert!(
        start.elapsed() >= Duration::from_secs(3600),
        "the paused clock advanced"
    );
    assert!(
        real.elapsed() < Duration::from_secs(5),
        "without waiting for real"
    );
}

#[gort::test(start_paused = false)]
async fn start_paused_false_keeps_the_real_clock() {
    let start = gort::time::Instant::now();
    gort::time::sleep(Duration::from_millis(20)).await;
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(20) && elapsed < Duration::from_secs(5));
}
