//! gort's executor: tasks, the work-stealing scheduler and the tokio-shaped runtime API.
#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod runtime;
pub mod task;
