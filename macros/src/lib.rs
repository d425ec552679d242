//! `#[gort::main]` and `#[gort::test]`.
