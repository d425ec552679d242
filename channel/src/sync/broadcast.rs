//! `broadcast` channel with tokio's API.
