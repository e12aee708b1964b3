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
mod loader;
mod net;
mod sched;
mod signal;
mod sys;
mod task;
mod uaccess;
pub mod vfs;

use std::collections::{BTreeMap, BTreeSet};

pub use host::{Host, Now, Stream};
pub use sys::{name as syscall_name, NAMES as SYSCALLS};
pub use task::{Mm, Pid, Task};

use crate::abi::errno::Errno;
use crate::loader::Creds;
use crate::task::exec::{load_program, ExecError};
use crate::task::Zombie;

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
    /// The user and group it runs as (real, effective, saved and fs ids).
    pub uid: u32,
    pub gid: u32,
}

/// Why `spawn` could not start a program; the message is for a human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpawnError {
    /// The path does not exist or is not a regular file.
    NotFound(String),
    /// Bad input: not an executable this kernel runs (64-bit, not x86, not
    /// ELF, a bad interpreter). The string names the file and the reason.
    BadExecutable(String),
    /// Not an error: the root disk is still fetching what the program needs
    /// (spawning is not a system call, so it cannot park). Call `spawn`
    /// again once the device made progress.
    DeviceWait,
}

impl std::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpawnError::NotFound(m) | SpawnError::BadExecutable(m) => f.write_str(m),
            SpawnError::DeviceWait => f.write_str("waiting for the disk"),
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
///
/// Field ownership: `tasks` holds every live task except the one whose
/// system call is being handled (see `sched.rs`); `zombies` holds exited
/// processes until their parent waits; `gen` counts events that may unblock
/// a parked task.
pub struct Kernel {
    pub(crate) vfs: vfs::Vfs,
    pub(crate) host: Box<dyn Host>,
    /// Time of the current [`Kernel::run`] call.
    pub(crate) now: Now,
    /// Log unimplemented features (see [`Config::log`]).
    pub(crate) log: bool,
    pub(crate) tasks: BTreeMap<Pid, Task>,
    pub(crate) zombies: BTreeMap<Pid, Zombie>,
    pub(crate) next_pid: Pid,
    /// The first process: orphans go to it, and its exit ends the VM.
    pub(crate) init: Option<Pid>,
    pub(crate) init_status: Option<i32>,
    /// Bumped after every completed system call, console input, exit and
    /// signal: parked tasks retry when it moved (DESIGN rule 1).
    pub(crate) gen: u64,
    /// The front end calls [`Kernel::device_ready`] when a device made
    /// progress, so calls waiting on a device park until then instead of
    /// being retried every round.
    pub(crate) device_wakeups: bool,
    /// The task that ran last, for round-robin order.
    pub(crate) last_run: Pid,
    /// The running task gave up the rest of its turn (`sched_yield`).
    pub(crate) yielded: bool,
    /// Things already logged once: (topic, number).
    pub(crate) logged: BTreeSet<(&'static str, u32)>,
    pub(crate) syscalls: sys::Table,
    /// Versions of the files mapped `MAP_SHARED` (see `task/filemap.rs`).
    pub(crate) shares: task::filemap::Shares,
    /// Log every system call (see [`Kernel::set_trace`]).
    pub(crate) trace: bool,
    /// Bound UNIX socket names and internet ports.
    pub(crate) net: net::Net,
    /// Advisory file locks (`flock`, `fcntl`).
    pub(crate) locks: vfs::lock::LocksRef,
    /// Pseudo-terminal pairs.
    pub(crate) ptys: vfs::pty::Ptys,
    /// CPU time all tasks used (`/proc/stat`), and processes and threads
    /// created, since boot.
    pub(crate) cpu_usage: task::Usage,
    pub(crate) forks: u64,
    /// Counts futex waits begun, to wake waiters in arrival order.
    pub(crate) futex_seq: u64,
}

impl Kernel {
    pub fn new(config: Config, host: Box<dyn Host>) -> Kernel {
        Kernel {
            vfs: vfs::Vfs::new(config.root, config.tty),
            host,
            now: Now::default(),
            log: config.log,
            tasks: BTreeMap::new(),
            zombies: BTreeMap::new(),
            next_pid: 1,
            init: None,
            init_status: None,
            gen: 0,
            device_wakeups: false,
            last_run: 0,
            yielded: false,
            logged: BTreeSet::new(),
            shares: Default::default(),
            trace: false,
            syscalls: sys::Table::new(),
            net: net::Net::default(),
            locks: vfs::lock::LocksRef::default(),
            ptys: vfs::pty::Ptys::default(),
            cpu_usage: task::Usage::default(),
            forks: 0,
            futex_seq: 0,
        }
    }

    /// Starts a program. The first one becomes the init process: it owns the
    /// console's foreground, and its exit is what [`Kernel::run`] reports.
    /// Once that exit has been reported, the next `spawn` starts a new init
    /// on the same file systems (the web page's next shell keeps its files).
    pub fn spawn(&mut self, spawn: Spawn) -> Result<Pid, SpawnError> {
        let path = spawn.path.as_str();
        let mut fs = self.vfs.root_context();
        let root = self.vfs.root_loc();
        let cwd = self
            .vfs
            .resolve(root, spawn.cwd.as_bytes(), true)
            .and_then(|loc| Ok((loc, self.vfs.stat_loc(loc)?.is_dir())));
        let cwd = match cwd {
            Ok((loc, true)) => loc,
            Err(vfs::DEVICE_WAIT) => return Err(SpawnError::DeviceWait),
            _ => {
                let missing = format!("{}: no such directory", spawn.cwd);
                return Err(SpawnError::NotFound(missing));
            }
        };
        fs.cwd = Some(cwd);
        let bytes = |v: &[String]| v.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
        let loaded = load_program(
            self,
            &fs,
            path.as_bytes(),
            bytes(&spawn.argv),
            &bytes(&spawn.envp),
            Creds {
                uid: spawn.uid,
                gid: spawn.gid,
            },
        )
        .map_err(|e| match e {
            ExecError::Errno(vfs::DEVICE_WAIT) | ExecError::Interp(_, vfs::DEVICE_WAIT) => {
                SpawnError::DeviceWait
            }
            ExecError::Errno(Errno::ENOENT | Errno::ENOTDIR) => {
                SpawnError::NotFound(format!("{path}: no such file"))
            }
            ExecError::Errno(Errno::ENOEXEC) => {
                SpawnError::BadExecutable(format!("{path}: not an ELF executable"))
            }
            ExecError::Errno(Errno::EACCES) => {
                SpawnError::BadExecutable(format!("{path}: permission denied"))
            }
            ExecError::Errno(e) => {
                SpawnError::BadExecutable(format!("{path}: cannot load (errno {})", e.0))
            }
            ExecError::Elf(e) => SpawnError::BadExecutable(e.message(path)),
            ExecError::Interp(interp, e) => {
                let interp = String::from_utf8_lossy(&interp);
                match e {
                    Errno::ENOENT | Errno::ENOTDIR => SpawnError::NotFound(format!(
                        "{path}: its program interpreter {interp} does not exist"
                    )),
                    _ => SpawnError::BadExecutable(format!(
                        "{path}: bad program interpreter {interp} (errno {})",
                        e.0
                    )),
                }
            }
        })?;
        let pid = self.alloc_pid();
        let mut task = Task::new(pid, self.vfs.stdio(), fs, self.now.monotonic_ns);
        task.creds = task::Creds::new(spawn.uid, spawn.gid);
        self.install(&mut task, loaded);
        if self.init_status.take().is_some() {
            self.init = None;
        }
        if self.init.is_none() {
            self.init = Some(pid);
            self.vfs.set_console_foreground(pid, pid);
        } else {
            task.ppid = self.init.unwrap_or(0);
        }
        self.tasks.insert(pid, task);
        self.gen += 1;
        Ok(pid)
    }

    /// Keyboard or stdin bytes for the console; ^C, ^Z and ^\ become signals
    /// for the foreground process group.
    pub fn console_input(&mut self, bytes: &[u8]) {
        let signals = self.vfs.console_input(bytes);
        self.tty_signals(signals);
    }

    /// The host's stdin reached end of file.
    pub fn console_eof(&mut self) {
        self.vfs.console_eof();
        self.gen += 1;
    }

    /// Promises calls to [`Kernel::device_ready`]: from now on a system
    /// call waiting for a device parks until then (the front end can sleep)
    /// rather than being retried at every [`Kernel::run`].
    pub fn enable_device_wakeups(&mut self) {
        self.device_wakeups = true;
    }

    /// A device finished something it was waiting for (a chunk arrived or
    /// failed for good): the calls parked on it retry.
    pub fn device_ready(&mut self) {
        self.gen += 1;
    }

    /// The terminal was resized (SIGWINCH for the foreground group).
    pub fn console_resize(&mut self, rows: u16, cols: u16) {
        let signals = self.vfs.console_resize(rows, cols);
        self.tty_signals(signals);
    }

    fn tty_signals(&mut self, signals: Vec<vfs::TtySignal>) {
        for (pgid, sig) in signals {
            self.signal_group(pgid, sig);
        }
        self.gen += 1;
    }

    /// Writes one diagnostic line once per `(topic, key)` when logging is on
    /// (topics: `"syscall"` numbers, `"insn"` addresses, `"feature"`…).
    /// Gives the guest its own empty `/tmp` (a tmpfs, as a booted system
    /// has), hiding the root's: for roots that are whole systems, so runs
    /// do not see each other's files there.
    pub fn private_tmp(&mut self) {
        self.vfs.private_tmp();
    }

    /// Logs every system call from now on (`strace`-like, for debugging):
    /// `[tid] name(ebx, ecx, edx, …) = result`.
    pub fn set_trace(&mut self, on: bool) {
        self.trace = on;
    }

    pub(crate) fn log_once_in(&mut self, topic: &'static str, key: u32, line: &str) {
        if self.log && self.logged.insert((topic, key)) {
            self.host.log(line);
        }
    }
}
