//! The mio driver: readiness, timers, wakeups.
