//! A task: one guest thread with its CPU state and the resources it may share
//! with other tasks (address space, file table, file-system context).
//!
//! Threads of one process (`CLONE_THREAD`) share the address space, files,
//! file-system context and signal handlers through `Rc`s and have the same
//! `pid`; the rest of the process-wide state (parent, process group,
//! credentials, limits, timers) is kept per task and copied at `clone`. Methods are split by aspect: `fork.rs` (fork, vfork,
//! clone), `exec.rs` (execve and the first program), `exit.rs` (exit, zombies,
//! reparenting) and `wait.rs` (wait4, waitid).
//!
//! Ownership: the kernel keeps tasks in `Kernel::tasks`; the task running a
//! system call is taken out of that map for the duration of the call, so a
//! handler sees itself only through its `&mut Task` argument.

pub(crate) mod exec;
mod exit;
pub(crate) mod filemap;
pub(crate) mod fork;
pub(crate) mod shared;
pub(crate) mod wait;

use std::cell::RefCell;
use std::rc::Rc;

use tabvm_cpu::{BlockCache, Cpu};
use tabvm_mem::AddressSpace;

use crate::abi::process::{RLIM64_INFINITY, RLIMIT_NOFILE, RLIMIT_STACK, RLIM_NLIMITS};
use crate::loader::STACK_SIZE;
use crate::signal::SigState;
use crate::vfs::{FdTable, FsContext};

pub(crate) use exit::{WaitStatus, Zombie};

/// A process or thread id.
pub type Pid = u32;

/// An address space and the decoded code cached for it; shared by threads.
#[derive(Default)]
pub struct Mm {
    pub space: AddressSpace,
    pub code: BlockCache,
    /// `MAP_SHARED|MAP_ANONYMOUS` ranges (see `shared.rs`).
    pub(crate) shared: Vec<shared::SharedAnon>,
    /// The files of file-backed mappings (see `filemap.rs`).
    pub(crate) file_maps: Vec<filemap::FileMap>,
}

impl Mm {
    /// Forgets shared ranges overlapping `[start, start+len)` and the file
    /// behind that range (unmapped, replaced or moved).
    pub(crate) fn unshare(&mut self, start: u32, len: u32) {
        self.shared.retain(|r| !r.overlaps(start, len));
        filemap::cut(&mut self.file_maps, start, start.saturating_add(len));
    }
}

/// Whether a task can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunState {
    Runnable,
    /// Parked in a system call that will be re-executed (DESIGN rule 1) when
    /// the kernel's generation moves past `gen`, at `until`, or when a signal
    /// arrives.
    Blocked {
        gen: u64,
        until: Option<u64>,
    },
    /// Stopped by SIGSTOP/SIGTSTP/…; `reported` once a parent's wait saw it.
    Stopped {
        sig: u32,
        reported: bool,
    },
}

/// A resource limit (`struct rlimit64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

/// The real-time interval timer (`alarm`, `setitimer(ITIMER_REAL)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RealTimer {
    /// Monotonic ns when SIGALRM is due.
    pub due: u64,
    /// Re-arm period in ns, 0 for one shot.
    pub interval: u64,
}

/// One guest thread. The task map is keyed by `tid`; a process is found by
/// its leader, whose `tid` equals its `pid`.
pub struct Task {
    pub tid: Pid,
    /// Thread-group id (the process id).
    pub pid: Pid,
    pub ppid: Pid,
    pub cpu: Cpu,
    pub mm: Rc<RefCell<Mm>>,
    pub files: Rc<RefCell<FdTable>>,
    pub fs: Rc<RefCell<FsContext>>,
    /// Process group and session, for job control and the tty.
    pub pgid: Pid,
    pub sid: Pid,
    /// Deadline of a blocking call being restarted (`nanosleep`, `poll`…),
    /// kept across re-executions and cleared when the call completes.
    pub restart_deadline: Option<u64>,
    pub uid: u32,
    pub gid: u32,
    pub(crate) sig: SigState,
    pub(crate) state: RunState,
    /// SIGCONT resumed this stopped process and no `wait(WCONTINUED)` has
    /// reported it yet.
    pub(crate) continued: bool,
    /// Set by `exit`, `exit_group` or a fatal signal; the scheduler finishes
    /// the exit when the current system call returns.
    pub(crate) exiting: Option<WaitStatus>,
    /// The whole thread group goes with this task (`exit_group`, a fatal
    /// signal), not only this thread (`exit`).
    pub(crate) exit_group: bool,
    /// `set_tid_address`/`CLONE_CHILD_CLEARTID`: zeroed at exit.
    pub(crate) clear_child_tid: u32,
    /// This task is a vfork child: its parent waits until it execs or exits.
    pub(crate) vfork_parent: Option<Pid>,
    /// This task waits for its vfork child.
    pub(crate) vfork_child: Option<Pid>,
    pub(crate) timer: Option<RealTimer>,
    pub(crate) rlimits: [Rlimit; RLIM_NLIMITS as usize],
    /// The signal sent to the parent at exit (from `clone`'s low byte).
    pub(crate) exit_signal: u32,
    /// Monotonic time the process started, for CPU-time clocks.
    pub(crate) start_ns: u64,
    /// The executable's path, for `/proc/self/exe` and `AT_EXECFN`.
    pub(crate) exe: Vec<u8>,
    /// argv of the program, each string NUL-terminated (`/proc/<pid>/cmdline`).
    pub(crate) cmdline: Vec<u8>,
}

impl Task {
    /// A task with fresh resources and default limits, not yet loaded.
    pub(crate) fn new(pid: Pid, files: FdTable, fs: FsContext, now: u64) -> Task {
        let mut rlimits = [Rlimit {
            cur: RLIM64_INFINITY,
            max: RLIM64_INFINITY,
        }; RLIM_NLIMITS as usize];
        rlimits[RLIMIT_STACK as usize].cur = u64::from(STACK_SIZE);
        rlimits[RLIMIT_NOFILE as usize] = Rlimit {
            cur: 1024,
            max: 1024 * 1024,
        };
        rlimits[crate::abi::process::RLIMIT_CORE as usize].cur = 0;
        Task {
            tid: pid,
            pid,
            ppid: 0,
            cpu: Cpu::new(),
            mm: Rc::default(),
            files: Rc::new(RefCell::new(files)),
            fs: Rc::new(RefCell::new(fs)),
            pgid: pid,
            sid: pid,
            restart_deadline: None,
            uid: 0,
            gid: 0,
            sig: SigState::default(),
            state: RunState::Runnable,
            continued: false,
            exiting: None,
            exit_group: false,
            clear_child_tid: 0,
            vfork_parent: None,
            vfork_child: None,
            timer: None,
            rlimits,
            exit_signal: crate::abi::signal::SIGCHLD,
            start_ns: now,
            exe: Vec::new(),
            cmdline: Vec::new(),
        }
    }

    /// Makes signal `sig` pending for this thread (e.g. SIGPIPE from a write).
    pub fn raise(&mut self, sig: u32) {
        self.sig.post(crate::signal::SigInfo::kernel(sig));
    }

    /// Runs `f` on this task's address space.
    pub(crate) fn mem<R>(&self, f: impl FnOnce(&mut AddressSpace) -> R) -> R {
        f(&mut self.mm.borrow_mut().space)
    }

    /// Runs `f` on this task's whole `Mm` (space and shared ranges).
    pub(crate) fn mem_mm<R>(&self, f: impl FnOnce(&mut Mm) -> R) -> R {
        f(&mut self.mm.borrow_mut())
    }
}
