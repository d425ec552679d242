//! Asynchronous I/O traits and utilities, with tokio's signatures.
