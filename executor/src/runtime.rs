//! The runtime: `Builder`, `Runtime`, `Handle`.
