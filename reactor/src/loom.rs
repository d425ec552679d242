//! Switches the few synchronization primitives that loom models between `loom` (under
//! `--cfg loom`) and `std`.

#[cfg(loom)]
pub(crate) use loom::sync;

#[cfg(not(loom))]
pub(crate) use std::sync;
