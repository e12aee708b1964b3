//! The scheduler: runs tasks round-robin on the one host thread, dispatches
//! their system calls, turns CPU faults into signals, and parks and retries
//! blocked calls.
//!
//! A task's turn is a loop: act on pending signals (`signal/deliver.rs`),
//! run guest code until the CPU exits, handle the exit. A system call
//! handler that returns `SysError::Block` leaves the task *parked*: `eip` is
//! moved back onto the 2-byte `int 0x80` with every register untouched, so
//! the call runs again from scratch when the task is retried (DESIGN rule 1).
//! Parked tasks are retried when the kernel's generation counter moved (any
//! completed system call, exit, signal or console event may have made
//! progress possible), when their deadline passed, or when a signal arrives.
//! When no task can run, [`Kernel::run`] reports the earliest deadline.

use tabvm_cpu::{Exit, Reg};

use crate::abi::errno::Errno;
use crate::abi::signal::*;
use crate::signal::{bit, deliver::post, SigInfo, Trap};
use crate::sys::{SysError, SysResult};
use crate::task::{filemap, shared, Mm, RunState, Task, Usage};
use crate::{Kernel, Now, RunStatus};

/// Guest instructions one `run` call executes at most, across tasks: small
/// enough that the front end gets control back every few tens of
/// milliseconds in the interpreter, large enough to amortise the call.
const RUN_BUDGET: u64 = 4_000_000;
/// One task's turn before the next runnable task gets the CPU.
const SLICE: u64 = 500_000;
/// Length of the `int 0x80` (and `sysenter`) instruction a parked call is
/// rewound over.
const SYSCALL_INSN_LEN: u32 = 2;

impl Kernel {
    /// Runs guest tasks for one time slice at time `now` and says what to do
    /// next.
    pub fn run(&mut self, now: Now) -> RunStatus {
        self.now = now;
        self.vfs.set_time(now.realtime_ns);
        self.fire_timers();
        let mut budget = RUN_BUDGET;
        while budget > 0 && self.init_status.is_none() {
            let Some(pid) = self.pick() else { break };
            let Some(mut task) = self.tasks.remove(&pid) else {
                break;
            };
            self.last_run = pid;
            sync_shared(&task, Sync::Adopt);
            // Keyed by tid, which execve may change (to the process id).
            let used = self.run_task(&mut task, SLICE.min(budget));
            sync_shared(&task, Sync::Publish);
            budget = budget.saturating_sub(used.max(1));
            match task.exiting.take() {
                Some(status) => self.finish_exit(task, status),
                None => {
                    self.tasks.insert(task.tid, task);
                }
            }
        }
        self.flush_console();
        if let Some(status) = self.init_status {
            return RunStatus::Exited { status };
        }
        if self.tasks.values().any(|t| self.runnable(t)) {
            RunStatus::Busy
        } else {
            RunStatus::Idle {
                wake_at: self.next_wake(),
            }
        }
    }

    /// Whether `t` should get the CPU now.
    fn runnable(&self, t: &Task) -> bool {
        let signalled = if t.vfork_child.is_some() {
            t.sig.pending & bit(SIGKILL) != 0
        } else {
            t.sig.deliverable() != 0
        };
        match t.state {
            RunState::Runnable => true,
            RunState::Blocked { gen, until } => {
                gen != self.gen || until.is_some_and(|u| u <= self.now.monotonic_ns) || signalled
            }
            RunState::Stopped { .. } => false,
        }
    }

    /// The next runnable task after the one that ran last, round-robin.
    fn pick(&self) -> Option<crate::Pid> {
        let after = self.tasks.range(self.last_run + 1..).map(|(p, t)| (*p, t));
        let before = self.tasks.range(..=self.last_run).map(|(p, t)| (*p, t));
        after
            .chain(before)
            .find(|(_, t)| self.runnable(t))
            .map(|(p, _)| p)
    }

    /// When something parked becomes due: the earliest call deadline or
    /// interval timer.
    fn next_wake(&self) -> Option<u64> {
        let deadlines = self.tasks.values().filter_map(|t| match t.state {
            RunState::Blocked { until, .. } => until,
            _ => None,
        });
        let timers = self.tasks.values().filter_map(|t| t.timer.map(|tm| tm.due));
        deadlines.chain(timers).min()
    }

    /// Raises SIGALRM for every real-time timer that is due.
    fn fire_timers(&mut self) {
        let now = self.now.monotonic_ns;
        let mut fired = false;
        for t in self.tasks.values_mut() {
            let Some(timer) = t.timer.filter(|tm| tm.due <= now) else {
                continue;
            };
            t.timer = (timer.interval > 0).then(|| {
                // Skip periods missed while the host was not calling us.
                let missed = (now - timer.due) / timer.interval + 1;
                crate::task::RealTimer {
                    due: timer.due + missed * timer.interval,
                    ..timer
                }
            });
            post(t, SigInfo::kernel(SIGALRM));
            fired = true;
        }
        if fired {
            self.gen += 1;
        }
    }

    fn flush_console(&mut self) {
        for (stream, bytes) in self.vfs.take_console_output() {
            self.host.write_console(stream, &bytes);
        }
    }

    /// One turn of `task` (out of the task map) for at most `slice`
    /// instructions; returns how many ran.
    fn run_task(&mut self, task: &mut Task, slice: u64) -> u64 {
        // Counted per run: execve replaces the CPU and its counter.
        let mut used = 0;
        loop {
            self.deliver_signals(task);
            if task.exiting.is_some() || matches!(task.state, RunState::Stopped { .. }) {
                break;
            }
            if matches!(task.state, RunState::Blocked { .. }) {
                // Picked while parked: retry the call.
                task.state = RunState::Runnable;
            }
            if used >= slice {
                break;
            }
            let before = task.cpu.retired();
            let exit = {
                let mut mm = task.mm.borrow_mut();
                let Mm { space, code, .. } = &mut *mm;
                task.cpu.run(space, code, slice - used)
            };
            let ran = task.cpu.retired().saturating_sub(before).max(1);
            used += ran;
            // Nominal 1 GHz: one instruction is one nanosecond of user time.
            task.usage.user_ns += ran;
            self.cpu_usage.user_ns += ran;
            task.tick_cpu_timers();
            match exit {
                Exit::Syscall => {
                    self.syscall(task);
                    let yielded = std::mem::take(&mut self.yielded);
                    if yielded
                        || task.exiting.is_some()
                        || !matches!(task.state, RunState::Runnable)
                    {
                        break;
                    }
                }
                Exit::Budget => break,
                fault => self.fault(task, fault),
            }
        }
        used
    }

    /// Dispatches the system call in `eax` and stores its result, or parks
    /// the task.
    fn syscall(&mut self, task: &mut Task) {
        let c = &task.cpu;
        let nr = c.reg(Reg::Eax);
        let args = [Reg::Ebx, Reg::Ecx, Reg::Edx, Reg::Esi, Reg::Edi, Reg::Ebp].map(|r| c.reg(r));
        // Unpublished writes through a mapping must neither be missed by the
        // call nor overwritten when the caller adopts after it.
        let touches_files = crate::sys::memory::sees_file_data(nr)
            || crate::sys::memory::writes_file_data(nr).is_some();
        if touches_files && !self.shares.is_empty() {
            let mut mm = task.mm.borrow_mut();
            if filemap::has_writable_shares(&mm.file_maps) {
                let Mm {
                    space, file_maps, ..
                } = &mut *mm;
                filemap::publish(space, file_maps);
            }
        }
        let result = match self.syscalls.get(nr) {
            Some(handler) => handler(self, task, args),
            None => {
                let name = crate::sys::name(nr).unwrap_or("unknown");
                let line = format!(
                    "unimplemented system call {nr} ({name}) from pid {}",
                    task.pid
                );
                self.log_once_in("syscall", nr, &line);
                Err(Errno::ENOSYS.into())
            }
        };
        if self.trace {
            self.trace_syscall(task.tid, nr, args, &result);
        }
        let value = match result {
            Ok(v) => v,
            Err(SysError::Errno(e)) => e.as_return(),
            Err(SysError::Block { until }) => {
                task.cpu.eip = task.cpu.eip.wrapping_sub(SYSCALL_INSN_LEN);
                // A front end that reports device progress lets a device
                // wait sleep until then instead of spinning.
                let device_wait = self.device_wakeups && until == crate::sys::DEVICE_RETRY;
                task.state = RunState::Blocked {
                    gen: self.gen,
                    until: until.filter(|_| !device_wait),
                };
                return;
            }
        };
        task.cpu.set_reg(Reg::Eax, value);
        task.restart_deadline = None;
        // System time counts completed calls (a parked call's retries are
        // waiting, not work).
        task.usage.sys_ns += Usage::SYSCALL_NS;
        self.cpu_usage.sys_ns += Usage::SYSCALL_NS;
        task.tick_cpu_timers();
        self.gen += 1;
        if !self.shares.is_empty() {
            if let Some(fd_arg) = crate::sys::memory::writes_file_data(nr) {
                self.file_written(task, fd_arg.map(|i| args[i]));
            }
        }
    }

    fn trace_syscall(&mut self, tid: u32, nr: u32, args: [u32; 6], result: &SysResult) {
        let name = crate::sys::name(nr).unwrap_or("unknown");
        let outcome = match result {
            Ok(v) => format!("{v:#x}"),
            Err(SysError::Errno(e)) => format!("-{}", e.0),
            Err(SysError::Block { .. }) => "(parked)".to_owned(),
        };
        let a = args.map(|a| format!("{a:#x}")).join(", ");
        self.host.log(&format!("[{tid}] {name}({a}) = {outcome}"));
    }

    /// Makes shared mappings of a file just written (by descriptor `fd`, or
    /// any file for `None`) re-read it: the caller's at once, the others'
    /// before their next turn.
    fn file_written(&mut self, task: &Task, fd: Option<u32>) {
        let key = match fd {
            Some(fd) => {
                let Ok(file) = task.files.borrow().get(fd) else {
                    return;
                };
                let key = file.borrow().node.as_ref().map(|n| (n.dev, n.loc.ino));
                let Some(key) = key else { return };
                Some(key)
            }
            None => None,
        };
        self.shares.written(key);
        sync_shared(task, Sync::Adopt);
    }

    /// Turns a CPU fault into the signal Linux sends for it.
    fn fault(&mut self, task: &mut Task, exit: Exit) {
        let eip = task.cpu.eip;
        // PROT_NONE pages are never present in Linux's page tables.
        let resident = |addr| {
            task.mem(|m| m.is_resident(addr) && m.region(addr).is_some_and(|r| r.prot.bits() != 0))
        };
        let (no, err) = match exit {
            Exit::PageFault(f) => (
                Trap::PAGE_FAULT,
                Trap::page_fault_code(&f, resident(f.addr)),
            ),
            Exit::InvalidOpcode => (Trap::INVALID_OPCODE, 0),
            Exit::DivideError => (Trap::DIVIDE, 0),
            Exit::FpuError if task.cpu.fpu.unmasked_exceptions().1 => (Trap::SIMD_ERROR, 0),
            Exit::FpuError => (Trap::FPU_ERROR, 0),
            Exit::Breakpoint => (Trap::BREAKPOINT, 0),
            Exit::GeneralProtection => (Trap::GENERAL_PROTECTION, 0),
            Exit::Syscall | Exit::Budget => return,
        };
        (task.sig.trap.no, task.sig.trap.err) = (no, err);
        if let Exit::PageFault(f) = exit {
            task.sig.trap.cr2 = f.addr;
        }
        let info = match exit {
            Exit::PageFault(f) => SigInfo::fault(SIGSEGV, f.si_code(), f.addr),
            Exit::InvalidOpcode => {
                let mut bytes = [0u8; 8];
                let n = task.mem(|m| m.fetch(eip, &mut bytes)).unwrap_or(0);
                let hex: Vec<String> = bytes[..n].iter().map(|b| format!("{b:02x}")).collect();
                let line = format!(
                    "invalid or unimplemented instruction at {eip:#010x} ({}) in pid {}",
                    hex.join(" "),
                    task.pid
                );
                self.log_once_in("insn", eip, &line);
                SigInfo::fault(SIGILL, ILL_ILLOPN, eip)
            }
            Exit::DivideError => SigInfo::fault(SIGFPE, FPE_INTDIV, eip),
            Exit::FpuError => {
                let (pending, _) = task.cpu.fpu.unmasked_exceptions();
                SigInfo::fault(SIGFPE, fpe_code(pending), eip)
            }
            Exit::Breakpoint => SigInfo::fault(SIGTRAP, SI_KERNEL, 0),
            Exit::GeneralProtection => SigInfo::fault(SIGSEGV, SI_KERNEL, 0),
            Exit::Syscall | Exit::Budget => return,
        };
        task.sig.force(info);
    }
}

/// The `si_code` of a floating-point fault, from its unmasked exception
/// bits, in Linux's order of precedence.
fn fpe_code(pending: u16) -> i32 {
    if pending & 0x01 != 0 {
        FPE_FLTINV
    } else if pending & 0x04 != 0 {
        FPE_FLTDIV
    } else if pending & 0x08 != 0 {
        FPE_FLTOVF
    } else if pending & 0x12 != 0 {
        FPE_FLTUND
    } else if pending & 0x20 != 0 {
        FPE_FLTRES
    } else {
        FPE_FLTINV
    }
}

/// Which way [`sync_shared`] exchanges a task's shared memory.
#[derive(Clone, Copy)]
enum Sync {
    /// Take in what other processes published (start of a turn).
    Adopt,
    /// Hand out this task's writes (end of a turn).
    Publish,
}

/// Synchronises `task`'s shared anonymous ranges and shared file mappings.
fn sync_shared(task: &Task, way: Sync) {
    let mut mm = task.mm.borrow_mut();
    let Mm {
        space,
        shared,
        file_maps,
        ..
    } = &mut *mm;
    match way {
        Sync::Adopt => {
            shared::adopt(space, shared);
            filemap::adopt(space, file_maps);
        }
        Sync::Publish => {
            shared::publish(space, shared);
            filemap::publish(space, file_maps);
        }
    }
}
