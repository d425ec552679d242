//! Misuse panics of the sync API name the caller's line (tokio's `#[track_caller]` contract): a
//! zero-capacity channel, a `blocking_*` call inside a runtime, permits of two semaphores merged.

use gort::sync::{broadcast, mpsc, oneshot, RwLock, Semaphore};
use std::panic::{self, Location};
use std::sync::{Arc, Mutex};

/// Runs `f`, which must panic, and returns the file of the panic's location.
fn panic_file(f: impl FnOnce() + panic::UnwindSafe) -> String {
    static HOOK: Mutex<()> = Mutex::new(());
    let _one_at_a_time = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let seen = Arc::new(Mutex::new(None));
    let seen2 = seen.clone();
    let prev = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        *seen2.lock().unwrap() = info.location().map(|l| l.file().to_owned());
    }));
    let result = panic::catch_unwind(f);
    panic::set_hook(prev);
    assert!(result.is_err(), "no panic");
    let file = seen.lock().unwrap().take();
    file.expect("a panic location")
}

/// Runs `f` inside a current-thread runtime's `block_on` (where blocking calls must panic).
fn in_runtime(f: impl FnOnce() + Send) {
    let rt = gort::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async move { f() });
}

fn this_file() -> &'static str {
    Location::caller().file()
}

#[test]
fn constructors_report_the_callers_line() {
    assert_eq!(panic_file(|| drop(mpsc::channel::<u8>(0))), this_file());
    assert_eq!(
        panic_file(|| drop(broadcast::channel::<u8>(0))),
        this_file()
    );
    assert_eq!(
        panic_file(|| drop(RwLock::with_max_readers(0u8, 0))),
        this_file()
    );
}

#[test]
fn blocking_calls_inside_a_runtime_report_the_callers_line() {
    let here = this_file();
    assert_eq!(
        panic_file(|| in_runtime(|| {
            let (_tx, mut rx) = mpsc::channel::<u8>(1);
            let _ = rx.blocking_recv();
        })),
        here
    );
    assert_eq!(
        panic_file(|| in_runtime(|| {
            let (tx, _rx) = mpsc::channel::<u8>(1);
            let _ = tx.blocking_send(1);
        })),
        here
    );
    assert_eq!(
        panic_file(|| in_runtime(|| {
            let (_tx, mut rx) = mpsc::unbounded_channel::<u8>();
            let _ = rx.blocking_recv_many(&mut Vec::new(), 1);
        })),
        here
    );
    assert_eq!(
        panic_file(|| in_runtime(|| {
            let (_tx, rx) = oneshot::channel::<u8>();
            let _ = rx.blocking_recv();
        })),
        here
    );
    assert_eq!(
        panic_file(|| in_runtime(|| {
            let (_tx, mut rx) = broadcast::channel::<u8>(1);
            let _ = rx.blocking_recv();
        })),
        here
    );
}

#[test]
fn merging_permits_of_two_semaphores_reports_the_callers_line() {
    let (a, b) = (Semaphore::new(1), Semaphore::new(1));
    let (mut pa, pb) = (a.try_acquire().unwrap(), b.try_acquire().unwrap());
    assert_eq!(
        panic_file(panic::AssertUnwindSafe(|| pa.merge(pb))),
        this_file()
    );
    let (a, b) = (Arc::new(Semaphore::new(1)), Arc::new(Semaphore::new(1)));
    let (mut pa, pb) = (
        a.try_acquire_owned().unwrap(),
        b.try_acquire_owned().unwrap(),
    );
    assert_eq!(
        panic_file(panic::AssertUnwindSafe(|| pa.merge(pb))),
        this_file()
    );
}
