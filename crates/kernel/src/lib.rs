//! The Linux personality of tabvm: tasks, system calls, the VFS, signals and
//! the ELF loader, for i386 guests.
//!
//! The kernel is a library driven by its front end (the native CLI or the web
//! worker). It never blocks and never reads a clock: the caller passes the
//! current time to [`Kernel::run`], which runs guest tasks for a while and
//! says when it wants to be called again ([`RunStatus`]). A system call that
//! must wait rewinds its task to re-execute the call later (DESIGN rule 1).
//! Everything platform-specific arrives through [`Host`] and through the root
//! [`vfs::FileSystem`] given in [`Config`].
//!
//! Must not touch: host files or terminals directly (that is `tabvm-host`),
//! instruction semantics (`tabvm-cpu`), page tables (`tabvm-mem`).

pub mod abi;
mod host;
mod sys;
mod task;
mod uaccess;
pub mod vfs;

pub use host::{Host, Now, Stream};
pub use task::{Mm, Pid, Task};

/// What the front end tells the kernel at start.
pub struct Config {
    /// The root file system.
    pub root: Box<dyn vfs::FileSystem>,
    /// Which of stdin, stdout, stderr are terminals (the guest then sees one
    /// tty on those fds) rather than pipes or files.
    pub tty: [bool; 3],
    /// Log unimplemented system calls and instructions through [`Host::log`].
    pub log: bool,
}

/// What to start: the first process of a VM.
pub struct Spawn {
    /// A path inside the guest root.
    pub path: String,
    pub argv: Vec<String>,
    pub envp: Vec<String>,
    /// Guest working directory.
    pub cwd: String,
}

/// Why `spawn` could not start a program; the message is for a human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpawnError {
    /// The path does not exist or is not a regular file.
    NotFound(String),
    /// Bad input: not an executable this kernel runs (64-bit, not x86, not
    /// ELF, dynamic). The string names the file and the reason.
    BadExecutable(String),
}

impl std::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpawnError::NotFound(m) | SpawnError::BadExecutable(m) => f.write_str(m),
        }
    }
}

/// What [`Kernel::run`] did and what the front end should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Guest code is runnable: call `run` again soon (after handling events,
    /// so the page or terminal stays responsive).
    Busy,
    /// Every task waits. Call again when console input arrives or at
    /// `wake_at` (nanoseconds on the monotonic clock), whichever is first.
    Idle { wake_at: Option<u64> },
    /// The first process has exited; `status` is what a shell would report
    /// (exit code, or 128+signal).
    Exited { status: i32 },
}

/// A virtual machine's kernel: every task, the VFS and the platform services.
pub struct Kernel {
    pub(crate) vfs: vfs::Vfs,
    pub(crate) host: Box<dyn Host>,
    /// Time of the current [`Kernel::run`] call.
    pub(crate) now: Now,
    /// Log unimplemented features (see [`Config::log`]).
    pub(crate) log: bool,
}
