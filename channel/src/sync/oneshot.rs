//! `oneshot` channel with tokio's API.
