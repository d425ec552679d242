//! [`Command`]: std's process builder plus `kill_on_drop`, spawning async [`Child`]ren.

use super::child::Child;
use super::reap::Via;
use crate::driver::Handle;
use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command as StdCommand, ExitStatus, Output, Stdio};

/// Builds and spawns a child process, as `tokio::process::Command` (std's `Command` with async
/// waiting and I/O).
///
/// ```
/// use gort_reactor::process::Command;
///
/// # async fn f() -> std::io::Result<()> {
/// let output = Command::new("echo").arg("hello").output().await?;
/// assert!(output.status.success());
/// assert_eq!(output.stdout, b"hello\n");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Command {
    std: StdCommand,
    kill_on_drop: bool,
}

impl Command {
    /// A command running `program` (looked up in `PATH` unless it is a path), with no
    /// arguments, the parent's environment and working directory, and inherited stdio.
    ///
    /// ```
    /// let cmd = gort_reactor::process::Command::new("ls");
    /// ```
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(StdCommand::new(program))
    }

    /// The std `Command` inside.
    ///
    /// ```
    /// let cmd = gort_reactor::process::Command::new("ls");
    /// assert_eq!(cmd.as_std().get_program(), "ls");
    /// ```
    pub fn as_std(&self) -> &StdCommand {
        &self.std
    }

    /// The std `Command` inside, mutably.
    ///
    /// ```
    /// let mut cmd = gort_reactor::process::Command::new("ls");
    /// cmd.as_std_mut().arg("-l");
    /// ```
    pub fn as_std_mut(&mut self) -> &mut StdCommand {
        &mut self.std
    }

    /// The std `Command` inside (dropping the `kill_on_drop` setting).
    ///
    /// ```
    /// let std_cmd: std::process::Command = gort_reactor::process::Command::new("ls").into_std();
    /// ```
    pub fn into_std(self) -> StdCommand {
        self.std
    }

    /// Adds an argument.
    ///
    /// ```
    /// gort_reactor::process::Command::new("ls").arg("-l").arg("/tmp");
    /// ```
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    ///
    /// ```
    /// gort_reactor::process::Command::new("ls").args(["-l", "/tmp"]);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// ```
    /// gort_reactor::process::Command::new("ls").env("PATH", "/bin");
    /// ```
    pub fn env<K, V>(&mut self, key: K, val: V) -> &mut Command
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables.
    ///
    /// ```
    /// gort_reactor::process::Command::new("env").envs([("A", "1"), ("B", "2")]);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes a variable from the child's environment.
    ///
    /// ```
    /// gort_reactor::process::Command::new("ls").env_remove("PATH");
    /// ```
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (then add what it needs with `env`).
    ///
    /// ```
    /// gort_reactor::process::Command::new("ls").env_clear();
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    ///
    /// ```
    /// gort_reactor::process::Command::new("ls").current_dir("/");
    /// ```
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin ([`Stdio::piped`] gives a [`ChildStdin`](super::ChildStdin) in
    /// [`Child::stdin`]). Inherited by default (null for [`output`](Self::output)).
    ///
    /// ```
    /// gort_reactor::process::Command::new("cat").stdin(std::process::Stdio::piped());
    /// ```
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// The child's stdout (inherited by default; piped for [`output`](Self::output)).
    ///
    /// ```
    /// gort_reactor::process::Command::new("ls").stdout(std::process::Stdio::null());
    /// ```
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's stderr (inherited by default; piped for [`output`](Self::output)).
    ///
    /// ```
    /// gort_reactor::process::Command::new("ls").stderr(std::process::Stdio::null());
    /// ```
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] (or the future of [`status`](Self::status) or
    /// [`output`](Self::output)) before it exited kills it with SIGKILL. Off by default: the
    /// process keeps running (and is still reaped once it exits).
    ///
    /// ```
    /// gort_reactor::process::Command::new("sleep").arg("100").kill_on_drop(true);
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The `kill_on_drop` setting.
    ///
    /// ```
    /// let mut cmd = gort_reactor::process::Command::new("ls");
    /// assert!(!cmd.get_kill_on_drop());
    /// assert!(cmd.kill_on_drop(true).get_kill_on_drop());
    /// ```
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// Runs the child as user `id` (`setuid`).
    ///
    /// ```
    /// gort_reactor::process::Command::new("id").uid(0);
    /// ```
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Runs the child with group `id` (`setgid`).
    ///
    /// ```
    /// gort_reactor::process::Command::new("id").gid(0);
    /// ```
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Sets the child's `argv[0]` (the program is still looked up by the name given to `new`).
    ///
    /// ```
    /// gort_reactor::process::Command::new("sh").arg0("my-shell");
    /// ```
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Runs `f` in the child after `fork`, before `exec`.
    ///
    /// # Safety
    ///
    /// As std's `CommandExt::pre_exec`: `f` runs in a forked copy of a possibly multi-threaded
    /// process, so it may only do async-signal-safe work (no allocation, no locks).
    ///
    /// ```
    /// let mut cmd = gort_reactor::process::Command::new("true");
    /// // SAFETY: the closure does nothing.
    /// unsafe { cmd.pre_exec(|| Ok(())) };
    /// ```
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds `pre_exec`'s contract (see above).
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// Puts the child in process group `pgroup` (0: a new group led by the child).
    ///
    /// ```
    /// gort_reactor::process::Command::new("sleep").arg("1").process_group(0);
    /// ```
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// Starts the child. Piped stdio ends are registered with the current runtime's reactor.
    ///
    /// Errors as std's `spawn`: a missing program is [`io::ErrorKind::NotFound`].
    ///
    /// # Panics
    ///
    /// Outside a gort runtime.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let mut child = gort_reactor::process::Command::new("true").spawn()?;
    /// assert!(child.wait().await?.success());
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        self.spawn_via(Via::PidfdOrSigchld)
    }

    #[track_caller]
    pub(crate) fn spawn_via(&mut self, via: Via) -> io::Result<Child> {
        let handle = Handle::current();
        super::orphan::reap_orphans();
        let child = self.std.spawn()?;
        Child::new(child, self.kill_on_drop, handle, via)
    }

    /// Spawns the child (at once, not when first polled), closes its piped ends, and waits
    /// for it to exit.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the child running (killed if `kill_on_drop` is set); it is
    /// reaped in the background either way.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let status = gort_reactor::process::Command::new("sh").args(["-c", "exit 3"]).status().await?;
    /// assert_eq!(status.code(), Some(3));
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let child = self.spawn();
        async {
            let mut child = child?;
            // Holding a piped end could deadlock against a child that waits on it.
            drop((child.stdin.take(), child.stdout.take(), child.stderr.take()));
            child.wait().await
        }
    }

    /// Spawns the child with stdout and stderr piped (this changes the command's settings),
    /// and collects its status and output.
    ///
    /// # Cancel safety
    ///
    /// As [`status`](Self::status); the output read so far is lost.
    ///
    /// ```
    /// # async fn f() -> std::io::Result<()> {
    /// let out = gort_reactor::process::Command::new("echo").arg("hi").output().await?;
    /// assert_eq!(out.stdout, b"hi\n");
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async { child?.wait_with_output().await }
    }
}

impl From<StdCommand> for Command {
    fn from(std: StdCommand) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}
