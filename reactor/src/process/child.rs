//! [`Child`]: a spawned process, its pipes, and waiting for it.

use super::pipes::{ChildStderr, ChildStdin, ChildStdout};
use super::reap::{Reaper, Via};
use crate::driver::Handle;
use crate::io::{AsyncRead, AsyncReadExt};
use futures_util::future::try_join3;
use gort_waitsite::{Traced, WaitKind};
use std::future::poll_fn;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::process::{ExitStatus, Output};

/// A child process spawned by [`Command::spawn`](super::Command::spawn), as
/// `tokio::process::Child`.
///
/// Dropping a `Child` does not stop the process (unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set), but it is still reaped once it
/// exits: no zombie is left behind.
///
/// ```
/// use gort_reactor::process::Command;
///
/// # async fn f() -> std::io::Result<()> {
/// let mut child = Command::new("sleep").arg("10").spawn()?;
/// assert!(child.try_wait()?.is_none());
/// child.kill().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Child {
    state: State,
    /// The write end of the child's stdin, if [`Stdio::piped`](std::process::Stdio::piped) was
    /// asked for.
    pub stdin: Option<ChildStdin>,
    /// The read end of the child's stdout, if piped.
    pub stdout: Option<ChildStdout>,
    /// The read end of the child's stderr, if piped.
    pub stderr: Option<ChildStderr>,
}

#[derive(Debug)]
enum State {
    Running(KillOnDrop),
    /// Reaped: waiting again returns the same status (as std's `wait`).
    Done(ExitStatus),
}

/// Kills the child on drop if asked to, before the reaper (dropped next) queues it as an
/// orphan.
#[derive(Debug)]
struct KillOnDrop {
    reaper: Reaper,
    kill_on_drop: bool,
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if self.kill_on_drop {
            let _ = self.reaper.kill();
        }
    }
}

impl Child {
    /// Wraps a freshly spawned std child: the reaper first (so an error below still leaves the
    /// child owned and reaped), then the pipes, registered with `handle`'s reactor.
    pub(crate) fn new(
        mut std: std::process::Child,
        kill_on_drop: bool,
        handle: Handle,
        via: Via,
    ) -> io::Result<Child> {
        let (stdin, stdout, stderr) = (std.stdin.take(), std.stdout.take(), std.stderr.take());
        let mut child = Child {
            state: State::Running(KillOnDrop {
                reaper: Reaper::new(std, via),
                kill_on_drop,
            }),
            stdin: None,
            stdout: None,
            stderr: None,
        };
        child.stdin = stdin
            .map(|s| ChildStdin::new(s, handle.clone()))
            .transpose()?;
        child.stdout = stdout
            .map(|s| ChildStdout::new(s, handle.clone()))
            .transpose()?;
        child.stderr = stderr.map(|s| ChildStderr::new(s, handle)).transpose()?;
        Ok(child)
    }

    /// The process id, or `None` once the child has been reaped by a wait.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let mut child = gort_reactor::process::Command::new("true").spawn()?;
    /// assert!(child.id().is_some());
    /// child.wait().await?;
    /// assert_eq!(child.id(), None);
    /// # Ok(()) }
    /// ```
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running(guard) => Some(guard.reaper.id()),
            State::Done(_) => None,
        }
    }

    /// Sends SIGKILL without waiting for the child to exit (follow with [`wait`](Self::wait)).
    /// `Ok` if the child already exited.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let mut child = gort_reactor::process::Command::new("sleep").arg("10").spawn()?;
    /// child.start_kill()?;
    /// let status = child.wait().await?;
    /// # Ok(()) }
    /// ```
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running(guard) => {
                guard.reaper.kill()?;
                // Killed already: nothing more to do on drop.
                guard.kill_on_drop = false;
                Ok(())
            }
            State::Done(_) => Ok(()),
        }
    }

    /// Kills the child (SIGKILL) and waits for it to exit.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if cancelled after the signal was sent, the child is still reaped later
    /// (by a next `wait`, or in the background once the `Child` is dropped).
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let mut child = gort_reactor::process::Command::new("sleep").arg("10").spawn()?;
    /// child.kill().await?;
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn kill(&mut self) -> impl Future<Output = io::Result<()>> + '_ {
        let site = Location::caller();
        async move {
            self.start_kill()?;
            self.wait_at(site).await?;
            Ok(())
        }
    }

    /// Waits for the child to exit and returns its status. Closes the child's stdin first (so
    /// a child reading it is not left waiting for input). Fused: later calls return the same
    /// status.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let mut child = gort_reactor::process::Command::new("sh").args(["-c", "exit 3"]).spawn()?;
    /// assert_eq!(child.wait().await?.code(), Some(3));
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn wait(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + '_ {
        self.wait_at(Location::caller())
    }

    /// The resource a child process wait names: the pid (0 once reaped), as an address.
    fn wait_resource(&self) -> *const () {
        std::ptr::null::<()>().wrapping_byte_add(self.id().map_or(0, |pid| pid as usize))
    }

    /// `wait` called at `site`: shows there as a child process wait on the child's pid.
    fn wait_at(
        &mut self,
        site: &'static Location<'static>,
    ) -> impl Future<Output = io::Result<ExitStatus>> + '_ {
        let pid = self.wait_resource();
        Traced::at(site, WaitKind::ChildWait, pid, self.wait_inner())
    }

    async fn wait_inner(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        let status = match &mut self.state {
            State::Done(status) => return Ok(*status),
            State::Running(guard) => poll_fn(|cx| guard.reaper.poll_wait(cx)).await?,
        };
        self.finish(status);
        Ok(status)
    }

    /// The exit status if the child has exited (reaping it), else `None`; never blocks.
    ///
    /// ```
    /// # fn f() -> std::io::Result<()> {
    /// let mut child = gort_reactor::process::Command::new("sleep").arg("10").spawn()?;
    /// assert!(child.try_wait()?.is_none());
    /// # Ok(()) }
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let status = match &mut self.state {
            State::Done(status) => return Ok(Some(*status)),
            State::Running(guard) => guard.reaper.try_wait()?,
        };
        if let Some(status) = status {
            self.finish(status);
        }
        Ok(status)
    }

    fn finish(&mut self, status: ExitStatus) {
        if let State::Running(guard) = &mut self.state {
            guard.kill_on_drop = false; // reaped: there is nothing left to kill
        }
        self.state = State::Done(status);
    }

    /// Waits for the child to exit while reading all of its piped stdout and stderr (read
    /// concurrently, so a child filling one pipe cannot deadlock). Ends not piped give empty
    /// vectors.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: it consumes the `Child`, and output read so far is lost.
    ///
    /// ```
    /// use gort_reactor::process::Command;
    /// use std::process::Stdio;
    ///
    /// # async fn f() -> std::io::Result<()> {
    /// let child = Command::new("echo").arg("hi").stdout(Stdio::piped()).spawn()?;
    /// let output = child.wait_with_output().await?;
    /// assert_eq!(output.stdout, b"hi\n");
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn wait_with_output(self) -> impl Future<Output = io::Result<Output>> {
        let pid = self.wait_resource();
        // One child process wait at the caller's line stands for the exit and the pipe reads.
        Traced::at(Location::caller(), WaitKind::ChildWait, pid, self.output())
    }

    async fn output(mut self) -> io::Result<Output> {
        let mut stdout = self.stdout.take();
        let mut stderr = self.stderr.take();
        let (status, stdout_bytes, stderr_bytes) = try_join3(
            self.wait_inner(),
            read_all(stdout.as_mut()),
            read_all(stderr.as_mut()),
        )
        .await?;
        Ok(Output {
            status,
            stdout: stdout_bytes,
            stderr: stderr_bytes,
        })
    }
}

async fn read_all<R: AsyncRead + Unpin>(pipe: Option<&mut R>) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if let Some(pipe) = pipe {
        pipe.read_to_end(&mut bytes).await?;
    }
    Ok(bytes)
}
