//! `watch` channel with tokio's API.
