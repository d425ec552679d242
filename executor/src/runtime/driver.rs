//! The runtime's driver seam: what an idle worker blocks in.
//!
//! Each runtime owns one reactor [`Driver`] (`gort_reactor::driver`: the mio poller, the timer
//! wheel, the clock). An idle worker that wins the driver's lock blocks in `Driver::park`
//! (I/O readiness and expired timers are dispatched there, waking their tasks); whoever needs
//! that worker calls `Handle::unpark`. Worker threads, `block_on`, `Runtime::enter` and
//! `Handle::enter` enter the driver's [`Handle`] so sockets and timers find their reactor.

pub(crate) use gort_reactor::driver::{Driver, EnterGuard, Handle};
