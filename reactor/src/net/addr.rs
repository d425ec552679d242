//! [`ToSocketAddrs`]: the address arguments `bind`/`connect`/`send_to` accept, resolved without
//! blocking a worker thread.
//!
//! Literal addresses (`SocketAddr`, `"127.0.0.1:80"`, `("::1", 80)`) resolve in place; host
//! names go through `std::net::ToSocketAddrs` (the system resolver, which blocks) on the
//! runtime's blocking pool, as tokio's `lookup_host`.

use crate::driver::Handle;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Types that convert to one or more socket addresses, as `tokio::net::ToSocketAddrs`:
/// `SocketAddr`, `SocketAddrV4`, `SocketAddrV6`, `(IpAddr, u16)`, `(Ipv4Addr, u16)`,
/// `(Ipv6Addr, u16)`, `&[SocketAddr]`, `&str`, `String`, `(&str, u16)`, `(String, u16)`, and
/// references to them. Host names are resolved on the blocking pool.
///
/// The trait is sealed: its method is internal.
///
/// ```
/// use gort_reactor::net::ToSocketAddrs;
/// fn takes<A: ToSocketAddrs>(_: A) {}
/// takes("127.0.0.1:8080");
/// takes(("localhost", 8080));
/// takes(std::net::SocketAddr::from(([127, 0, 0, 1], 8080)));
/// ```
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    use super::Resolve;

    /// The internal half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait ToSocketAddrsPriv {
        /// Starts resolving.
        fn resolve(&self) -> Resolve;
    }
}

/// Resolves `host` (anything [`ToSocketAddrs`]) to its socket addresses, as tokio's
/// `net::lookup_host`.
///
/// # Cancel safety
///
/// Cancel safe; a resolution already running on the blocking pool finishes there and is dropped.
///
/// ```no_run
/// # async fn f() -> std::io::Result<()> {
/// for addr in gort_reactor::net::lookup_host("localhost:80").await? {
///     println!("{addr}");
/// }
/// # Ok(()) }
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    Ok(host.resolve().await?.into_iter())
}

/// The future of a resolution: ready at once for literal addresses.
pub struct Resolve {
    state: ResolveState,
}

enum ResolveState {
    Ready(Option<io::Result<Vec<SocketAddr>>>),
    Blocking(Arc<Mutex<Slot>>),
}

#[derive(Default)]
struct Slot {
    result: Option<io::Result<Vec<SocketAddr>>>,
    waker: Option<Waker>,
}

impl Resolve {
    fn ready(result: io::Result<Vec<SocketAddr>>) -> Resolve {
        Resolve {
            state: ResolveState::Ready(Some(result)),
        }
    }

    /// Runs the system resolver on the blocking pool.
    fn blocking<A>(addr: A) -> Resolve
    where
        A: std::net::ToSocketAddrs + Send + 'static,
    {
        let slot = Arc::new(Mutex::new(Slot::default()));
        let job_slot = slot.clone();
        let job = Box::new(move || {
            let result = addr.to_socket_addrs().map(|it| it.collect());
            let waker = {
                let mut slot = job_slot.lock().unwrap();
                slot.result = Some(result);
                slot.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        match Handle::try_current() {
            Some(handle) => handle.spawn_blocking(job),
            None => {
                std::thread::spawn(job);
            }
        }
        Resolve {
            state: ResolveState::Blocking(slot),
        }
    }
}

impl Future for Resolve {
    type Output = io::Result<Vec<SocketAddr>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().state {
            ResolveState::Ready(result) => {
                Poll::Ready(result.take().expect("Resolve polled after completion"))
            }
            ResolveState::Blocking(slot) => {
                let mut slot = slot.lock().unwrap();
                match slot.result.take() {
                    Some(result) => Poll::Ready(result),
                    None => {
                        slot.waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            }
        }
    }
}

impl std::fmt::Debug for Resolve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolve").finish_non_exhaustive()
    }
}

/// Tries `op` on each address in turn; returns the first success or the last error.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut op: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let addrs = addr.resolve().await?;
    let mut last_err = None;
    for addr in addrs {
        match op(addr).await {
            Ok(v) => return Ok(v),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}

macro_rules! literal_addr {
    ($($ty:ty),*) => {$(
        impl ToSocketAddrs for $ty {}
        impl sealed::ToSocketAddrsPriv for $ty {
            fn resolve(&self) -> Resolve {
                Resolve::ready(Ok(vec![SocketAddr::from(*self)]))
            }
        }
    )*};
}

literal_addr!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16),
    ([u8; 4], u16),
    ([u16; 8], u16)
);

impl ToSocketAddrs for &[SocketAddr] {}
impl sealed::ToSocketAddrsPriv for &[SocketAddr] {
    fn resolve(&self) -> Resolve {
        Resolve::ready(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl sealed::ToSocketAddrsPriv for str {
    fn resolve(&self) -> Resolve {
        match self.parse::<SocketAddr>() {
            Ok(addr) => Resolve::ready(Ok(vec![addr])),
            Err(_) => Resolve::blocking(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl sealed::ToSocketAddrsPriv for String {
    fn resolve(&self) -> Resolve {
        self.as_str().resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::ToSocketAddrsPriv for (&str, u16) {
    fn resolve(&self) -> Resolve {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Resolve::ready(Ok(vec![SocketAddr::new(ip, port)])),
            Err(_) => Resolve::blocking((host.to_owned(), port)),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::ToSocketAddrsPriv for (String, u16) {
    fn resolve(&self) -> Resolve {
        (self.0.as_str(), self.1).resolve()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::ToSocketAddrsPriv for &T {
    fn resolve(&self) -> Resolve {
        (**self).resolve()
    }
}

#[cfg(test)]
mod tests {
    use super::sealed::ToSocketAddrsPriv;
    use super::*;

    fn block<F: Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    #[test]
    fn literals_resolve_in_place() {
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        assert_eq!(block("127.0.0.1:80".resolve()).unwrap(), vec![v4]);
        assert_eq!(block(("127.0.0.1", 80).resolve()).unwrap(), vec![v4]);
        assert_eq!(block(v4.resolve()).unwrap(), vec![v4]);
        assert_eq!(
            block((Ipv4Addr::LOCALHOST, 80).resolve()).unwrap(),
            vec![v4]
        );
        let v6 = block("[::1]:9".resolve()).unwrap();
        assert_eq!(v6[0].port(), 9);
    }

    #[cfg(not(miri))]
    #[test]
    fn host_names_resolve_off_thread() {
        let addrs = block(("localhost".to_string(), 7).resolve()).unwrap();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.port() == 7 && a.ip().is_loopback()));
        let err = block("no port here".resolve()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
