//! Tasks, as tokio's `task` module: gort's executor tasks (`spawn`, `JoinHandle`, `JoinSet`,
//! `LocalSet`, `spawn_blocking`, ...) plus [`coop`], the cooperative budget seen from outside.
//!
//! ```
//! #[gort::main(flavor = "current_thread")]
//! async fn main() {
//!     let handle = gort::task::spawn(async { 6 * 7 });
//!     assert_eq!(handle.await.unwrap(), 42);
//! }
//! ```

pub use gort_executor::task::*;

pub mod coop;
