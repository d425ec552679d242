//! [`Reaper`]: one child's exit, awaited without a thread per child.
//!
//! The preferred way is a pidfd (Linux ≥ 5.3) registered with the reactor of the task that
//! waits: it becomes readable when the child exits, and a `try_wait` then reaps it. Where no
//! pidfd can be had (an older kernel, a sandbox, no reactor in the waiting thread) the reaper
//! listens for SIGCHLD through the signal module instead and retries `try_wait` after each
//! delivery. Registration happens on the first wait, with the waiting thread's reactor, so a
//! child spawned in one runtime can be waited for in another. A reaper dropped before its child
//! exited hands the child to the orphan queue.

use super::orphan;
use super::pidfd::PidFd;
use crate::driver::ready::Direction;
use crate::driver::registration::PollEvented;
use crate::driver::Handle;
use crate::signal::unix::{Signal, SignalKind};
use std::io;
use std::process::{Child as StdChild, ExitStatus};
use std::sync::Arc;
use std::task::{Context, Poll};

/// How a reaper learns that its child exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// A pidfd if one can be opened, else SIGCHLD.
    PidfdOrSigchld,
    /// SIGCHLD only (the fallback, forced by tests).
    #[cfg_attr(not(test), allow(dead_code))]
    Sigchld,
}

/// Owns a spawned child until it is reaped.
#[derive(Debug)]
pub(crate) struct Reaper {
    /// `None` only while dropping.
    child: Option<StdChild>,
    wait: Wait,
}

#[derive(Debug)]
enum Wait {
    /// Not waited for yet (or the reactor it was registered with shut down): the pidfd, if any.
    Idle(Option<PidFd>),
    /// The pidfd, registered with a reactor.
    Pidfd(PollEvented<PidFd>),
    /// SIGCHLD deliveries since the wait began.
    Sigchld(Signal),
}

impl Reaper {
    pub(crate) fn new(child: StdChild, via: Via) -> Reaper {
        let pidfd = match via {
            Via::PidfdOrSigchld => PidFd::open(child.id()).ok(),
            Via::Sigchld => None,
        };
        Reaper {
            child: Some(child),
            wait: Wait::Idle(pidfd),
        }
    }

    fn child(&mut self) -> &mut StdChild {
        self.child
            .as_mut()
            .expect("the child is only taken while dropping")
    }

    pub(crate) fn id(&self) -> u32 {
        self.child
            .as_ref()
            .expect("the child is only taken while dropping")
            .id()
    }

    /// Sends SIGKILL (a no-op once reaped, as std's).
    pub(crate) fn kill(&mut self) -> io::Result<()> {
        self.child().kill()
    }

    pub(crate) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child().try_wait()
    }

    /// Polls for the child's exit status, reaping it.
    pub(crate) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        loop {
            if let Some(status) = self.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            let Reaper { child, wait } = self;
            let child = child
                .as_mut()
                .expect("the child is only taken while dropping");
            match wait {
                Wait::Idle(pidfd) => *wait = start_waiting(pidfd.take())?,
                Wait::Pidfd(io) if !registered_here(io) => unregister(wait),
                Wait::Pidfd(io) => {
                    // Readable once the child exited; `try_wait` says `WouldBlock` otherwise,
                    // which clears the readiness and waits again.
                    let polled = io.poll_io(cx, Direction::Read, |_| match child.try_wait() {
                        Ok(Some(status)) => Ok(status),
                        Ok(None) => Err(io::ErrorKind::WouldBlock.into()),
                        Err(e) => Err(e),
                    });
                    match polled {
                        // The reactor went away with its runtime meanwhile.
                        Poll::Ready(Err(_)) if !registered_here(io) => unregister(wait),
                        polled => return polled,
                    }
                }
                Wait::Sigchld(sigchld) => {
                    if sigchld.poll_recv(cx).is_pending() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }
}

/// Whether the pidfd's reactor is alive and is the waiting thread's (if it has one): a wait
/// moved to another runtime, or outliving its runtime, registers again where it now runs.
fn registered_here(io: &PollEvented<PidFd>) -> bool {
    let same = Handle::with_current(|current| Arc::ptr_eq(&current.inner, &io.handle().inner));
    same != Some(false) && !io.handle().timers_shut_down()
}

/// Takes the pidfd back from its reactor, to be registered again.
fn unregister(wait: &mut Wait) {
    if let Wait::Pidfd(io) = std::mem::replace(wait, Wait::Idle(None)) {
        *wait = Wait::Idle(Some(io.into_inner()));
    }
}

/// Registers the pidfd with the current thread's reactor, or listens for SIGCHLD. Either way
/// the caller checks the child once more afterwards, so an exit just before is not missed.
fn start_waiting(pidfd: Option<PidFd>) -> io::Result<Wait> {
    if let (Some(pidfd), Some(handle)) = (pidfd, Handle::try_current()) {
        if let Ok(io) = PollEvented::new_with_handle(pidfd, handle) {
            return Ok(Wait::Pidfd(io));
        }
    }
    Ok(Wait::Sigchld(Signal::listen(SignalKind::child())?))
}

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Ok(None) = child.try_wait() {
                orphan::adopt(child);
            }
        }
    }
}
