//! `spawn_blocking` and `block_in_place`.

use super::{JoinHandle, NO_RUNTIME};
use crate::runtime::context;
use crate::runtime::scheduler;

/// Runs a blocking closure on the runtime's blocking pool (threads created on demand, up to
/// 512 by default, retired after 10 s idle), returning a handle to await its result.
/// A panic in `f` is reported as a [`JoinError`](super::JoinError). Once started, a blocking
/// call cannot be aborted; one still queued when the runtime shuts down is cancelled.
///
/// # Panics
/// When called outside a gort runtime.
///
/// ```
/// # let rt = gort_executor::runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let sum = gort_executor::task::spawn_blocking(|| (1..=10).sum::<u32>()).await.unwrap();
/// assert_eq!(sum, 55);
/// # });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    super::meta::spawned_here();
    let mut f = Some(f);
    match context::with_current(|handle| handle.spawn_blocking(f.take().expect("spawned once"))) {
        Ok(join) => join,
        Err(e) if e.is_thread_local_destroyed() => panic!("spawn_blocking: {e}"),
        Err(_) => panic!("spawn_blocking {NO_RUNTIME}"),
    }
}

/// Runs blocking code inside a task without stalling the other tasks of its worker: the worker's
/// queue is handed to a new worker thread first, and this thread becomes a blocking thread for
/// the duration of `f`.
///
/// Outside a runtime, on a thread in `block_on` of a multi-thread runtime, or inside
/// `Handle::block_on` (which drives no tasks), `f` just runs.
///
/// # Panics
/// On a current-thread runtime (there is no other thread to hand the tasks to), and inside a
/// `LocalSet` (its tasks cannot move to another thread): use `spawn_blocking` there.
///
/// Inside `f` the cooperative budget does not apply (nothing in it is made to yield).
///
/// ```
/// # let rt = gort_executor::runtime::Runtime::new().unwrap();
/// # rt.block_on(rt.spawn(async {
/// let v = gort_executor::task::block_in_place(|| {
///     std::thread::sleep(std::time::Duration::from_millis(1));
///     5
/// });
/// assert_eq!(v, 5);
/// # })).unwrap();
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    if super::local::in_local_set() {
        panic!(
            "can call blocking only when running on the multi-threaded runtime: block_in_place \
             was called inside a LocalSet, whose tasks cannot move to another thread; use \
             spawn_blocking"
        );
    }
    // As tokio: blocking code owns its thread, so the cooperative budget does not apply.
    let f = move || gort_channel::coop::unconstrained(f);
    let f = match scheduler::multi_thread::block_in_place(f) {
        Ok(out) => return out,
        Err(f) => f,
    };
    // Driving a current-thread runtime (its `block_on` or one of its tasks): nothing could run
    // its tasks meanwhile. `Handle::block_on` drives no tasks, so `f` may block there.
    let drives_current_thread =
        context::with_scheduler(|cx| matches!(cx, Some(scheduler::Context::CurrentThread(_))));
    if drives_current_thread {
        panic!(
            "can call blocking only when running on the multi-threaded runtime: block_in_place \
             was called on a current_thread runtime, where no other worker can take over its \
             tasks; use spawn_blocking, or a multi_thread runtime"
        );
    }
    context::exit_runtime(f)
}
