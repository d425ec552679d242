//! gort's executor: tasks, the work-stealing scheduler and the tokio-shaped runtime API.
//!
//! - [`task`]: the task core (one allocation per task, an atomic state word, a hand-written
//!   waker vtable) and the public task API (`spawn`, `JoinHandle`, `JoinSet`, `LocalSet`, ...).
//! - [`runtime`]: `Builder`, `Runtime`, `Handle`; the multi-thread work-stealing scheduler
//!   (tokio's and Go's design: per-worker 256-slot queues, a global injection queue, a LIFO
//!   slot, at most half the workers searching), the current-thread scheduler, and the blocking
//!   pool.
//!
//! ```
//! let rt = gort_executor::runtime::Runtime::new().unwrap();
//! let out = rt.block_on(async {
//!     let a = gort_executor::spawn(async { 1 });
//!     let b = gort_executor::spawn(async { 2 });
//!     a.await.unwrap() + b.await.unwrap()
//! });
//! assert_eq!(out, 3);
//! ```
#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod loom;
pub mod runtime;
pub mod task;

pub use task::spawn;
