//! `#[gort::main]` and `#[gort::test]` running real code: flavors, worker counts, `crate = ...`,
//! `Result` returns. (Expansion details and compile errors are tested in `macros/src/tests.rs`;
//! the renamed-dependency case in `tests/macros_renamed.rs`.)

use std::collections::HashSet;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

/// Spawns `tasks` tasks that each block their thread until `tasks` of them run at once (or 5 s
/// pass); returns how many met, and the distinct threads they ran on.
async fn meet_on_workers(tasks: usize) -> (usize, HashSet<ThreadId>) {
    let arrived = Arc::new((Mutex::new(0usize), Condvar::new()));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let arrived = arrived.clone();
            gort::spawn(async move {
                let (count, cvar) = &*arrived;
                let mut count = count.lock().unwrap();
                *count += 1;
                cvar.notify_all();
                let (count, _) = cvar
                    .wait_timeout_while(count, Duration::from_secs(5), |c| *c < tasks)
                    .unwrap();
                (*count >= tasks, thread::current().id())
            })
        })
        .collect();
    let mut met = 0;
    let mut threads = HashSet::new();
    for handle in handles {
        let (all_there, thread) = handle.await.unwrap();
        met += usize::from(all_there);
        threads.insert(thread);
    }
    (met, threads)
}

#[gort::main(worker_threads = 3)]
async fn main_on_three_workers() -> (usize, HashSet<ThreadId>) {
    meet_on_workers(3).await
}

#[test]
fn main_defaults_to_multi_thread_with_the_given_worker_count() {
    let (met, threads) = main_on_three_workers();
    assert_eq!(met, 3, "three blocking tasks ran at once on three workers");
    assert_eq!(threads.len(), 3, "each on its own worker");
    assert!(
        !threads.contains(&thread::current().id()),
        "workers, not the calling thread"
    );
}

#[gort::main]
async fn main_default_flavor() -> ThreadId {
    gort::spawn(async { thread::current().id() }).await.unwrap()
}

#[test]
fn main_spawns_onto_worker_threads_by_default() {
    assert_ne!(main_default_flavor(), thread::current().id());
}

#[gort::main(flavor = "current_thread")]
async fn main_current_thread() -> Vec<ThreadId> {
    let mut threads = Vec::new();
    for _ in 0..4 {
        threads.push(gort::spawn(async { thread::current().id() }).await.unwrap());
    }
    threads
}

#[test]
fn main_current_thread_runs_tasks_on_the_calling_thread() {
    let me = thread::current().id();
    assert_eq!(main_current_thread(), vec![me; 4]);
}

#[gort::main(flavor = "current_thread")]
async fn main_returning_err() -> Result<u32, String> {
    let n: u32 = "12".parse().map_err(|_| "unreachable".to_string())?;
    if n == 12 {
        return Err(format!("failed after parsing {n}"));
    }
    Ok(n)
}

#[test]
fn main_returns_the_bodys_result() {
    assert_eq!(
        main_returning_err(),
        Err("failed after parsing 12".to_string())
    );
}

#[gort::main(flavor = "current_thread")]
async fn main_with_arguments(a: u32, b: String) -> String {
    gort::spawn(async move { format!("{b}{a}") }).await.unwrap()
}

#[test]
fn non_main_functions_may_take_arguments() {
    assert_eq!(main_with_arguments(7, "gort-".into()), "gort-7");
}

#[gort::test]
async fn test_defaults_to_current_thread() {
    let me = thread::current().id();
    let on = gort::spawn(async { thread::current().id() }).await.unwrap();
    assert_eq!(
        on, me,
        "current_thread runs spawned tasks on the test's thread"
    );
}

#[gort::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_multi_thread_honours_worker_threads() {
    let (met, threads) = meet_on_workers(2).await;
    assert_eq!(met, 2);
    assert_eq!(threads.len(), 2);
    assert!(!threads.contains(&thread::current().id()));
}

#[gort::test(worker_threads = 2)]
async fn test_worker_threads_alone_means_multi_thread() {
    let (met, threads) = meet_on_workers(2).await;
    assert_eq!((met, threads.len()), (2, 2));
}

#[gort::test]
async fn test_may_return_ok() -> Result<(), Box<dyn std::error::Error>> {
    let n: u16 = "4242".parse()?;
    let doubled = gort::spawn(async move { n * 2 }).await?;
    assert_eq!(doubled, 8484);
    Ok(())
}

#[gort::test]
#[should_panic(expected = "boom from the body")]
async fn test_panics_reach_the_harness() {
    panic!("boom from the body");
}

/// Another name for gort, reached through `crate = "..."`.
mod runtime_alias {
    pub use gort as rt;
}

#[gort::test(crate = "crate::runtime_alias::rt")]
async fn crate_argument_names_gort_by_another_path() {
    assert_eq!(runtime_alias::rt::spawn(async { 5 }).await.unwrap(), 5);
}

#[gort::main(crate = "::gort", flavor = "current_thread")]
async fn main_with_crate_argument() -> u8 {
    3
}

#[test]
fn main_accepts_the_crate_argument() {
    assert_eq!(main_with_crate_argument(), 3);
}

#[gort::test(name = "named-test-runtime")]
async fn name_argument_names_the_runtime() {
    assert_eq!(
        gort::runtime::Handle::current().name(),
        Some("named-test-runtime")
    );
}
