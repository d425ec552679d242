//! Unix signals as streams of deliveries, as `tokio::signal::unix`.

use super::registry::{registry, Registry};
use crate::driver::Handle;
use std::future::{poll_fn, Future};
use std::io;
use std::task::{Context, Poll};

/// A signal to listen for.
///
/// ```
/// use gort_reactor::signal::unix::SignalKind;
/// assert_eq!(SignalKind::interrupt().as_raw_value(), libc_sigint());
/// # fn libc_sigint() -> i32 { 2 }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// Any signal by number.
    ///
    /// ```
    /// let k = gort_reactor::signal::unix::SignalKind::from_raw(10);
    /// assert_eq!(k.as_raw_value(), 10);
    /// ```
    pub const fn from_raw(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    ///
    /// ```
    /// assert_eq!(gort_reactor::signal::unix::SignalKind::terminate().as_raw_value(), 15);
    /// ```
    pub const fn as_raw_value(&self) -> libc::c_int {
        self.0
    }

    /// SIGINT (ctrl-c).
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::interrupt();
    /// ```
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGTERM (polite termination request).
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::terminate();
    /// ```
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGHUP (terminal hang-up; often "reload configuration").
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::hangup();
    /// ```
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGQUIT.
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::quit();
    /// ```
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGUSR1.
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::user_defined1();
    /// ```
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2.
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::user_defined2();
    /// ```
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGCHLD.
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::child();
    /// ```
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// SIGALRM.
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::alarm();
    /// ```
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// SIGPIPE.
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::pipe();
    /// ```
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// SIGIO (asynchronous I/O is possible).
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::io();
    /// ```
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// SIGWINCH (terminal resized).
    ///
    /// ```
    /// let _ = gort_reactor::signal::unix::SignalKind::window_change();
    /// ```
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<libc::c_int> for SignalKind {
    fn from(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }
}

impl From<SignalKind> for libc::c_int {
    fn from(kind: SignalKind) -> libc::c_int {
        kind.0
    }
}

/// A stream of deliveries of one signal; see [`signal`].
///
/// Deliveries that arrive while nobody polls coalesce into one (as tokio and POSIX).
///
/// ```no_run
/// use gort_reactor::signal::unix::{signal, SignalKind};
/// # async fn f() -> std::io::Result<()> {
/// let mut hangups = signal(SignalKind::hangup())?;
/// while hangups.recv().await.is_some() {
///     println!("reloading");
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Signal {
    signum: libc::c_int,
    seen: u64,
    waiter: Option<usize>,
}

/// Listens for `kind`. The first call for a signal installs a process-wide handler that stays
/// installed (the signal's default action, e.g. terminating, no longer happens).
///
/// Errors for signals that cannot be handled (SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL,
/// SIGFPE) or invalid numbers.
///
/// # Panics
///
/// Outside a gort runtime, as tokio's (deliveries themselves need no reactor: a process-wide
/// thread reads them).
///
/// ```
/// use gort_reactor::signal::unix::{signal, SignalKind};
/// # let driver = gort_reactor::driver::Driver::new().unwrap();
/// # let _guard = driver.handle().enter();
/// assert!(signal(SignalKind::from_raw(9)).is_err()); // SIGKILL
/// let _usr1 = signal(SignalKind::user_defined1()).unwrap();
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    Handle::current();
    Signal::listen(kind)
}

impl Signal {
    /// [`signal`] without the runtime check (the process module waits for SIGCHLD this way
    /// wherever a child's wait is polled).
    pub(crate) fn listen(kind: SignalKind) -> io::Result<Signal> {
        let seen = registry()?.listen(kind.0)?;
        Ok(Signal {
            signum: kind.0,
            seen,
            waiter: None,
        })
    }

    /// Waits for the next delivery. Never returns `None` (the registry lives forever); the
    /// `Option` matches tokio's signature.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a delivery is consumed only when `recv` returns it.
    ///
    /// ```no_run
    /// # async fn f() -> std::io::Result<()> {
    /// use gort_reactor::signal::unix::{signal, SignalKind};
    /// let mut term = signal(SignalKind::terminate())?;
    /// term.recv().await;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn recv(&mut self) -> impl Future<Output = Option<()>> + '_ {
        self.recv_at(std::panic::Location::caller())
    }

    /// `recv` called at `site`: a wait shows as a signal wait there.
    pub(crate) fn recv_at(
        &mut self,
        site: &'static std::panic::Location<'static>,
    ) -> impl Future<Output = Option<()>> + '_ {
        let signum = std::ptr::null::<()>().wrapping_byte_add(self.signum as usize);
        gort_waitsite::Traced::at(
            site,
            gort_waitsite::WaitKind::Signal,
            signum,
            poll_fn(|cx| self.poll_recv(cx)),
        )
    }

    /// Polls for the next delivery.
    ///
    /// ```
    /// use gort_reactor::signal::unix::{signal, SignalKind};
    /// # let driver = gort_reactor::driver::Driver::new().unwrap();
    /// # let _guard = driver.handle().enter();
    /// let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
    /// let waker = futures::task::noop_waker();
    /// assert!(usr2.poll_recv(&mut std::task::Context::from_waker(&waker)).is_pending());
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let registry: &Registry = match registry() {
            Ok(r) => r,
            Err(_) => return Poll::Ready(None),
        };
        if self.take_delivery(registry) {
            return Poll::Ready(Some(()));
        }
        match self.waiter {
            Some(key) => registry.update_waiter(key, cx.waker()),
            None => self.waiter = Some(registry.add_waiter(cx.waker())),
        }
        // Re-check: the reader thread bumps the counter before it takes the waiter list.
        if self.take_delivery(registry) {
            return Poll::Ready(Some(()));
        }
        Poll::Pending
    }

    fn take_delivery(&mut self, registry: &Registry) -> bool {
        let count = registry.count(self.signum);
        if count != self.seen {
            self.seen = count;
            if let Some(key) = self.waiter.take() {
                registry.remove_waiter(key);
            }
            true
        } else {
            false
        }
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        if let (Some(key), Ok(registry)) = (self.waiter.take(), registry()) {
            registry.remove_waiter(key);
        }
    }
}

#[cfg(all(test, not(loom), not(miri)))]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Runs `f` on its own thread, inside a driver (as `signal` requires), with a time limit.
    fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let driver = crate::driver::Driver::new().unwrap();
            let _guard = driver.handle().enter();
            tx.send(f()).unwrap()
        });
        rx.recv_timeout(Duration::from_secs(5))
            .expect("test timed out")
    }

    #[test]
    fn ctrl_c_completes_on_sigint() {
        bounded(|| {
            // Install the handler, then deliver SIGINT to ourselves.
            let fut = super::super::ctrl_c();
            let mut fut = Box::pin(fut);
            let waker = futures::task::noop_waker();
            let mut cx = Context::from_waker(&waker);
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            // SAFETY: raising a signal whose handler we just installed.
            unsafe { libc::raise(libc::SIGINT) };
            futures::executor::block_on(fut).unwrap();
        });
    }

    #[test]
    fn each_listener_sees_each_delivery() {
        bounded(|| {
            let mut a = signal(SignalKind::user_defined1()).unwrap();
            let mut b = signal(SignalKind::user_defined1()).unwrap();
            // SAFETY: SIGUSR1's handler is installed above.
            unsafe { libc::raise(libc::SIGUSR1) };
            futures::executor::block_on(async {
                assert_eq!(a.recv().await, Some(()));
                assert_eq!(b.recv().await, Some(()));
            });
            // No further delivery: both are pending again.
            let waker = futures::task::noop_waker();
            let mut cx = Context::from_waker(&waker);
            assert!(a.poll_recv(&mut cx).is_pending());
            assert!(b.poll_recv(&mut cx).is_pending());
        });
    }

    #[test]
    fn unhandleable_signals_are_errors() {
        bounded(|| {
            assert!(signal(SignalKind::from_raw(libc::SIGKILL)).is_err());
            assert!(signal(SignalKind::from_raw(0)).is_err());
            assert!(signal(SignalKind::from_raw(-1)).is_err());
            assert!(signal(SignalKind::from_raw(1000)).is_err());
        });
    }

    #[test]
    fn signal_outside_a_runtime_panics_as_tokio() {
        let panic = std::thread::spawn(|| signal(SignalKind::hangup()))
            .join()
            .unwrap_err();
        let msg = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        assert!(msg.contains("there is no reactor running"), "{msg}");
    }

    use std::future::Future;
}
