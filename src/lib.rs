//! gort: Go-style concurrency for async Rust.
#![warn(missing_docs)]
