//! The end of a process: its wait status, the zombie its parent reaps,
//! SIGCHLD, and orphans handed to the first process.

use super::{Task, Usage};
use crate::abi::signal::{CLD_DUMPED, CLD_EXITED, CLD_KILLED, SA_NOCLDWAIT, SIG_IGN};
use crate::signal::{deliver::post, SigInfo};
use crate::{Kernel, Pid};

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitStatus {
    Exited(u8),
    Killed { sig: u32, core: bool },
}

impl WaitStatus {
    /// The `wait4` status word.
    pub fn raw(self) -> u32 {
        match self {
            WaitStatus::Exited(code) => u32::from(code) << 8,
            WaitStatus::Killed { sig, core } => sig | if core { 0x80 } else { 0 },
        }
    }

    /// What a shell reports: the exit code, or 128 + the signal.
    pub fn shell(self) -> i32 {
        match self {
            WaitStatus::Exited(code) => i32::from(code),
            WaitStatus::Killed { sig, .. } => 128 + sig as i32,
        }
    }

    /// `si_code` and `si_status` of the SIGCHLD / `waitid` report.
    pub fn child_info(self) -> (i32, u32) {
        match self {
            WaitStatus::Exited(code) => (CLD_EXITED, u32::from(code)),
            WaitStatus::Killed { sig, core: false } => (CLD_KILLED, sig),
            WaitStatus::Killed { sig, core: true } => (CLD_DUMPED, sig),
        }
    }
}

/// A process that has exited and waits for its parent's `wait`.
#[derive(Clone, Debug)]
pub(crate) struct Zombie {
    pub ppid: Pid,
    pub pgid: Pid,
    /// Session and name, for `/proc` (which lists zombies as `Z`).
    pub sid: Pid,
    pub comm: Vec<u8>,
    pub uid: u32,
    pub status: WaitStatus,
    /// What the process and its reaped children used (`wait4`'s rusage).
    pub usage: Usage,
}

impl Kernel {
    /// Finishes the exit of `task`, which is no longer in the task map. A
    /// thread clears its tid word (waking `pthread_join`); with `exit_group`
    /// its sibling threads go too. When the last thread of a process is gone
    /// the process ends: a vfork parent wakes, children go to the first
    /// process, a zombie stays for the parent, which gets SIGCHLD.
    pub(crate) fn finish_exit(&mut self, task: Task, status: WaitStatus) {
        self.release_thread(&task);
        let mut usage = crate::sys::process::process_usage(self, &task).plus(task.children_usage);
        if task.exit_group {
            let siblings: Vec<Pid> = self
                .tasks
                .values()
                .filter(|t| t.pid == task.pid)
                .map(|t| t.tid)
                .collect();
            for tid in siblings {
                if let Some(t) = self.tasks.remove(&tid) {
                    usage = usage.plus(t.children_usage);
                    self.release_thread(&t);
                }
            }
        }
        self.gen += 1;
        if self.tasks.values().any(|t| t.pid == task.pid) {
            return;
        }
        let orphanage = self.init.filter(|&i| i != task.pid).unwrap_or(0);
        for t in self.tasks.values_mut().filter(|t| t.ppid == task.pid) {
            t.ppid = orphanage;
        }
        for z in self.zombies.values_mut().filter(|z| z.ppid == task.pid) {
            z.ppid = orphanage;
        }
        if Some(task.pid) == self.init {
            self.init_status = Some(status.shell());
        }
        let zombie = Zombie {
            ppid: task.ppid,
            pgid: task.pgid,
            sid: task.sid,
            comm: task.comm.clone(),
            uid: task.creds.user.real,
            status,
            usage,
        };
        // Without a parent (an orphan of the first process) nothing waits.
        if let Some(parent) = self.tasks.get_mut(&task.ppid) {
            // clone(2) accepts any byte as the exit signal; like Linux's
            // do_notify_parent, a number that is no signal is never sent.
            let exit_signal = if crate::signal::valid(task.exit_signal) {
                task.exit_signal
            } else {
                0
            };
            let act = parent.sig.action(exit_signal.max(1));
            // SIGCHLD ignored or SA_NOCLDWAIT: the child is reaped at once.
            let autoreap = exit_signal == crate::abi::signal::SIGCHLD
                && (act.handler == SIG_IGN || act.flags & SA_NOCLDWAIT != 0);
            if !autoreap {
                self.zombies.insert(task.pid, zombie);
            }
            if exit_signal != 0 {
                let (code, st) = status.child_info();
                let mut info = SigInfo::child(code, task.pid, task.creds.user.real, st);
                info.signo = exit_signal;
                post(parent, info);
            }
        }
    }
}

impl Kernel {
    /// What a leaving thread releases, as Linux's `mm_release`: its robust
    /// futexes, and the `CLONE_CHILD_CLEARTID`/`set_tid_address` word,
    /// zeroed with a wake-up for one waiter (`pthread_join`).
    fn release_thread(&mut self, task: &Task) {
        crate::sys::futex::exit_robust_list(self, task);
        // A bad address is ignored, as in Linux: it is the guest's problem.
        if task.clear_child_tid != 0 && task.mem(|m| m.write_u32(task.clear_child_tid, 0)).is_ok() {
            crate::sys::futex::wake_addr(self, task, task.clear_child_tid, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words() {
        assert_eq!(WaitStatus::Exited(3).raw(), 0x300);
        assert_eq!(
            WaitStatus::Killed {
                sig: 11,
                core: true
            }
            .raw(),
            0x8b
        );
        assert_eq!(
            WaitStatus::Killed {
                sig: 9,
                core: false
            }
            .shell(),
            137
        );
        assert_eq!(WaitStatus::Exited(1).shell(), 1);
    }
}
