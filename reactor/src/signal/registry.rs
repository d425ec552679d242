//! The process-wide signal registry: the pipe, the handler, the reader thread and the
//! per-signal delivery counters.

use slab::Slab;
use std::io;
use std::os::fd::IntoRawFd;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::task::Waker;

/// Signals are numbered below this on every supported platform.
pub(crate) const MAX_SIGNAL: usize = 65;

/// The pipe's write end, read by the signal handler (a plain atomic: async-signal-safe).
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// A signal number and the function to run after its deliveries.
type Hook = (libc::c_int, fn());

pub(crate) struct Registry {
    /// Deliveries seen so far, per signal number.
    counters: [AtomicU64; MAX_SIGNAL],
    /// Which signals have their handler installed.
    installed: Mutex<[bool; MAX_SIGNAL]>,
    waiters: Mutex<Slab<Waker>>,
    /// Functions the reader thread runs after each batch that holds their signal (the process
    /// module reaps its orphaned children on SIGCHLD this way).
    hooks: Mutex<Vec<Hook>>,
}

static REGISTRY: OnceLock<Result<Registry, String>> = OnceLock::new();

pub(crate) fn registry() -> io::Result<&'static Registry> {
    REGISTRY
        .get_or_init(start)
        .as_ref()
        .map_err(|e| io::Error::other(e.clone()))
}

fn start() -> Result<Registry, String> {
    let (reader, writer) = std::os::unix::net::UnixStream::pair()
        .map_err(|e| format!("failed to create the signal pipe: {e}"))?;
    writer
        .set_nonblocking(true)
        .map_err(|e| format!("failed to set up the signal pipe: {e}"))?;
    // The write end lives for the rest of the process (the handler may run at any time).
    WRITE_FD.store(writer.into_raw_fd(), Ordering::Release);
    std::thread::Builder::new()
        .name("gort-signal".into())
        .spawn(move || read_loop(reader))
        .map_err(|e| format!("failed to start the signal thread: {e}"))?;
    Ok(Registry {
        counters: std::array::from_fn(|_| AtomicU64::new(0)),
        installed: Mutex::new([false; MAX_SIGNAL]),
        waiters: Mutex::new(Slab::new()),
        hooks: Mutex::new(Vec::new()),
    })
}

fn read_loop(mut reader: std::os::unix::net::UnixStream) {
    use std::io::Read;
    let mut buf = [0u8; 64];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        // The registry is initialised before any handler can write.
        let Some(Ok(registry)) = REGISTRY.get() else {
            continue;
        };
        for &signal in &buf[..n] {
            if let Some(counter) = registry.counters.get(signal as usize) {
                counter.fetch_add(1, Ordering::AcqRel);
            }
        }
        registry.run_hooks(&buf[..n]);
        let wakers: Vec<Waker> = registry
            .waiters
            .lock()
            .unwrap()
            .iter_mut()
            .map(|(_, w)| w.clone())
            .collect();
        for waker in wakers {
            waker.wake();
        }
    }
}

extern "C" fn handler(signal: libc::c_int) {
    let fd = WRITE_FD.load(Ordering::Acquire);
    if fd < 0 {
        return;
    }
    let byte = signal as u8;
    // SAFETY: errno is thread-local and the location function is async-signal-safe; saving and
    // restoring it keeps the interrupted code's errno intact. `write` on a pipe is
    // async-signal-safe and `byte` outlives the call. A full pipe (EAGAIN) just drops the
    // byte: the reader thread still has earlier ones pending.
    unsafe {
        let errno = errno_location();
        let saved = *errno;
        libc::write(fd, (&byte as *const u8).cast(), 1);
        *errno = saved;
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always safe to call; it returns the calling thread's errno slot.
    unsafe { libc::__errno_location() }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always safe to call; it returns the calling thread's errno slot.
    unsafe { libc::__error() }
}

impl Registry {
    /// Installs the handler for `signal` (once) and returns its current delivery count.
    pub(crate) fn listen(&self, signal: libc::c_int) -> io::Result<u64> {
        let index = usize::try_from(signal)
            .ok()
            .filter(|&i| i > 0 && i < MAX_SIGNAL)
            .ok_or_else(|| invalid(signal, "is not a valid signal number"))?;
        if [
            libc::SIGKILL,
            libc::SIGSTOP,
            libc::SIGSEGV,
            libc::SIGBUS,
            libc::SIGILL,
            libc::SIGFPE,
        ]
        .contains(&signal)
        {
            return Err(invalid(signal, "cannot be handled"));
        }
        let mut installed = self.installed.lock().unwrap();
        if !installed[index] {
            install(signal)?;
            installed[index] = true;
        }
        Ok(self.counters[index].load(Ordering::Acquire))
    }

    /// Runs `hook` on the reader thread after every delivery of `signal` from now on (installing
    /// the signal's handler first). The hook must be quick: it delays every signal behind it.
    pub(crate) fn add_hook(&self, signal: libc::c_int, hook: fn()) -> io::Result<()> {
        self.listen(signal)?;
        self.hooks.lock().unwrap().push((signal, hook));
        Ok(())
    }

    fn run_hooks(&self, delivered: &[u8]) {
        // Copied out first: a hook may add another hook.
        let hooks: Vec<fn()> = self
            .hooks
            .lock()
            .unwrap()
            .iter()
            .filter(|(signal, _)| delivered.contains(&(*signal as u8)))
            .map(|&(_, hook)| hook)
            .collect();
        for hook in hooks {
            hook();
        }
    }

    pub(crate) fn count(&self, signal: libc::c_int) -> u64 {
        self.counters[signal as usize].load(Ordering::Acquire)
    }

    pub(crate) fn add_waiter(&self, waker: &Waker) -> usize {
        self.waiters.lock().unwrap().insert(waker.clone())
    }

    pub(crate) fn update_waiter(&self, key: usize, waker: &Waker) {
        if let Some(w) = self.waiters.lock().unwrap().get_mut(key) {
            if !w.will_wake(waker) {
                *w = waker.clone();
            }
        }
    }

    pub(crate) fn remove_waiter(&self, key: usize) {
        self.waiters.lock().unwrap().try_remove(key);
    }
}

fn invalid(signal: libc::c_int, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("signal {signal} {why}"),
    )
}

fn install(signal: libc::c_int) -> io::Result<()> {
    // SAFETY: a zeroed `sigaction` is a valid starting value; we then set the handler (an
    // `extern "C" fn(c_int)` that only does async-signal-safe work) and flags, and pass valid
    // pointers to `sigemptyset`/`sigaction`.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as *const () as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
