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

mod creds;
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

pub use creds::{Creds, Ids};
pub(crate) use creds::{KEEP, NGROUPS_MAX};
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
    /// Largest size and resident set seen, in bytes (`VmPeak`, `VmHWM`,
    /// `ru_maxrss`); sampled when `/proc` or `getrusage` looks.
    pub(crate) peak: (u64, u64),
}

impl Mm {
    /// Forgets shared ranges overlapping `[start, start+len)` and the file
    /// behind that range (unmapped, replaced or moved).
    pub(crate) fn unshare(&mut self, start: u32, len: u32) {
        self.shared.retain(|r| !r.overlaps(start, len));
        filemap::cut(&mut self.file_maps, start, start.saturating_add(len));
    }
}

/// Longest thread name (`TASK_COMM_LEN` less its NUL).
pub(crate) const COMM_LEN: usize = 15;

/// The name a process exec'ing `path` gets: its base name, truncated.
pub(crate) fn comm_of(path: &[u8]) -> Vec<u8> {
    let base = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
    base[..base.len().min(COMM_LEN)].to_vec()
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

/// CPU time and memory a task used (`getrusage`, `times`, `/proc`). User
/// time counts retired instructions at a nominal 1 GHz (`sched.rs`), so it
/// is deterministic; system time counts each system call as
/// [`Usage::SYSCALL_NS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    pub user_ns: u64,
    pub sys_ns: u64,
    /// Largest resident set seen, in KiB.
    pub max_rss_kb: u64,
}

impl Usage {
    pub const SYSCALL_NS: u64 = 1000;

    /// Both usages together (peaks do not add: the larger one stays).
    pub fn plus(self, o: Usage) -> Usage {
        Usage {
            user_ns: self.user_ns + o.user_ns,
            sys_ns: self.sys_ns + o.sys_ns,
            max_rss_kb: self.max_rss_kb.max(o.max_rss_kb),
        }
    }
}

/// A CPU-time interval timer (`ITIMER_VIRTUAL`, `ITIMER_PROF`), on the
/// thread's own [`Usage`] clock: user time, or user and system time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CpuTimer {
    /// Usage in ns at which the signal is due.
    pub due: u64,
    /// Re-arm period in ns, 0 for one shot.
    pub interval: u64,
}

/// The CPU-time timers: which clock each reads and what it sends.
pub(crate) const CPU_TIMERS: [(bool, u32); 2] = [
    (false, crate::abi::signal::SIGVTALRM),
    (true, crate::abi::signal::SIGPROF),
];

impl Usage {
    /// The clock of a CPU-time timer: user time, with system time if `prof`.
    pub fn clock(self, prof: bool) -> u64 {
        self.user_ns + if prof { self.sys_ns } else { 0 }
    }
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
    pub creds: Creds,
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
    /// `ITIMER_VIRTUAL` and `ITIMER_PROF`, per thread (not inherited by
    /// `fork`, as on Linux).
    pub(crate) cpu_timers: [Option<CpuTimer>; 2],
    pub(crate) rlimits: [Rlimit; RLIM_NLIMITS as usize],
    /// The signal sent to the parent at exit (from `clone`'s low byte).
    pub(crate) exit_signal: u32,
    /// Monotonic time the process started, for CPU-time clocks.
    pub(crate) start_ns: u64,
    /// The executable's path, for `/proc/self/exe` and `AT_EXECFN`.
    pub(crate) exe: Vec<u8>,
    /// argv of the program, each string NUL-terminated (`/proc/<pid>/cmdline`).
    pub(crate) cmdline: Vec<u8>,
    /// The environment given to execve, each string NUL-terminated
    /// (`/proc/<pid>/environ`).
    pub(crate) environ: Vec<u8>,
    /// The thread's name (`/proc/<pid>/comm`, `PR_SET_NAME`): at most
    /// [`COMM_LEN`] bytes.
    pub(crate) comm: Vec<u8>,
    /// What this thread used, and what its waited-for children used.
    pub(crate) usage: Usage,
    pub(crate) children_usage: Usage,
    /// The futex wait this task is parked in (`sys/futex.rs`).
    pub(crate) futex: Option<crate::sys::futex::FutexWait>,
    /// `set_robust_list`'s head, walked at exit (0: none).
    pub(crate) robust_list: u32,
    /// Scheduling niceness, -20..=19 (reported; the scheduler is fair).
    pub(crate) nice: i32,
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
            creds: Creds::default(),
            sig: SigState::default(),
            state: RunState::Runnable,
            continued: false,
            exiting: None,
            exit_group: false,
            clear_child_tid: 0,
            vfork_parent: None,
            vfork_child: None,
            timer: None,
            cpu_timers: [None; 2],
            rlimits,
            exit_signal: crate::abi::signal::SIGCHLD,
            start_ns: now,
            exe: Vec::new(),
            cmdline: Vec::new(),
            environ: Vec::new(),
            comm: Vec::new(),
            usage: Usage::default(),
            children_usage: Usage::default(),
            futex: None,
            robust_list: 0,
            nice: 0,
        }
    }

    /// Makes signal `sig` pending for this thread (e.g. SIGPIPE from a write).
    pub fn raise(&mut self, sig: u32) {
        self.sig.post(crate::signal::SigInfo::kernel(sig));
    }

    /// Sends SIGVTALRM/SIGPROF for CPU-time timers that came due, re-arming
    /// periodic ones past the time already used.
    pub(crate) fn tick_cpu_timers(&mut self) {
        for (slot, (prof, sig)) in CPU_TIMERS.into_iter().enumerate() {
            let now = self.usage.clock(prof);
            let Some(timer) = self.cpu_timers[slot].filter(|tm| tm.due <= now) else {
                continue;
            };
            self.cpu_timers[slot] = (timer.interval > 0).then(|| CpuTimer {
                due: timer.due + ((now - timer.due) / timer.interval + 1) * timer.interval,
                ..timer
            });
            self.raise(sig);
        }
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
