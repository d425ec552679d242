//! `mpsc` channel with tokio's API.
