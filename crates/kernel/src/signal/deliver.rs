//! Sending signals to tasks and acting on them before a task runs again:
//! default actions (terminate, core, stop, continue, ignore), handler frames,
//! and interrupting a system call the task is parked in (`-EINTR`, or a
//! restart after the handler with `SA_RESTART`).

use std::collections::BTreeMap;

use tabvm_cpu::Reg;

use super::{bit, default_action, frame, DefaultAction, SigInfo};
use crate::abi::errno::Errno;
use crate::abi::signal::*;
use crate::task::{RunState, Task, WaitStatus};
use crate::{sys, Kernel, Pid};

fn is_stop(sig: u32) -> bool {
    matches!(sig, SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU)
}

/// Makes `info` pending for `task`, with the immediate effects Linux applies
/// at send time: SIGCONT and SIGKILL resume a stopped task, SIGCONT cancels
/// pending stops and a stop cancels a pending SIGCONT.
pub(crate) fn post(task: &mut Task, info: SigInfo) {
    let sig = info.signo;
    if sig == SIGCONT || sig == SIGKILL {
        if matches!(task.state, RunState::Stopped { .. }) {
            task.state = RunState::Runnable;
        }
        for s in [SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU] {
            task.sig.discard(s);
        }
    } else if is_stop(sig) {
        task.sig.discard(SIGCONT);
    }
    task.sig.post(info);
}

/// Which tasks a `kill` reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// One thread (`tkill`, `tgkill`).
    Thread(Pid),
    Process(Pid),
    Group(Pid),
    /// Every process but init and the sender (`kill(-1, …)`).
    All,
}

impl Kernel {
    /// Sends `info` (or, for signal 0, only checks) to every process
    /// `target` names — the sender `me` (out of the task map while it runs)
    /// included. A process-directed signal goes to one thread of each
    /// process, one that does not block it if possible. `ESRCH` if none,
    /// `EPERM` if the sender may signal none of them (other users'
    /// processes, but SIGCONT within its session).
    pub(crate) fn kill(
        &mut self,
        mut me: Option<&mut Task>,
        target: Target,
        sig: u32,
        info: SigInfo,
    ) -> Result<(), Errno> {
        let init = self.init;
        let sender = me.as_ref().map(|t| t.pid);
        let sender_creds = me.as_ref().map(|t| (t.creds.clone(), t.sid));
        let allowed = |t: &Task| {
            sender_creds
                .as_ref()
                .is_none_or(|(c, sid)| c.may_signal(&t.creds) || (sig == SIGCONT && t.sid == *sid))
        };
        let mut denied = false;
        let hits = |t: &Task| match target {
            Target::Thread(tid) => t.tid == tid,
            Target::Process(p) => t.pid == p,
            Target::Group(g) => t.pgid == g,
            Target::All => Some(t.pid) != sender && Some(t.pid) != init,
        };
        // pid -> (chosen tid, whether it leaves the signal unblocked)
        let mut chosen: BTreeMap<Pid, (Pid, bool)> = BTreeMap::new();
        for t in me
            .as_deref()
            .into_iter()
            .chain(self.tasks.values())
            .filter(|t| hits(t))
        {
            if !allowed(t) {
                denied = true;
                continue;
            }
            let open = sig == 0 || t.sig.mask & bit(sig) == 0;
            let e = chosen.entry(t.pid).or_insert((t.tid, open));
            // Threads have no shared pending set: when every thread blocks
            // the signal it goes to the leader, where `sigwait` and the
            // main thread's unblocking usually look for it.
            if !e.1 && (open || t.tid == t.pid) {
                *e = (t.tid, open);
            }
        }
        if chosen.is_empty() {
            return Err(if denied { Errno::EPERM } else { Errno::ESRCH });
        }
        if sig == SIGCONT || sig == SIGKILL {
            for &pid in chosen.keys() {
                self.resume(me.as_deref_mut(), pid, sig == SIGCONT);
            }
        }
        if sig != 0 {
            for (tid, _) in chosen.into_values() {
                match me.as_deref_mut().filter(|t| t.tid == tid) {
                    Some(t) => post(t, info),
                    None => {
                        if let Some(t) = self.tasks.get_mut(&tid) {
                            post(t, info);
                        }
                    }
                }
            }
        }
        self.gen += 1;
        Ok(())
    }

    /// SIGCONT or SIGKILL for process `pid`: every stopped thread runs
    /// again; for SIGCONT the parent hears of it (CLD_CONTINUED,
    /// `WCONTINUED`).
    fn resume(&mut self, me: Option<&mut Task>, pid: Pid, cont: bool) {
        let mut was_stopped = None;
        for t in me
            .into_iter()
            .chain(self.tasks.values_mut())
            .filter(|t| t.pid == pid)
        {
            if matches!(t.state, RunState::Stopped { .. }) {
                t.state = RunState::Runnable;
                was_stopped = Some((t.ppid, t.creds.user.real));
                t.continued = cont && t.tid == t.pid;
            }
        }
        let Some((ppid, uid)) = was_stopped.filter(|_| cont) else {
            return;
        };
        if let Some(parent) = self.tasks.get_mut(&ppid) {
            if parent.sig.action(SIGCHLD).flags & SA_NOCLDSTOP == 0 {
                post(parent, SigInfo::child(CLD_CONTINUED, pid, uid, SIGCONT));
            }
        }
    }

    /// Sends a kernel-generated signal to every process of group `pgid`
    /// (terminal ^C, ^Z, ^\, SIGWINCH…); none of them is running now.
    pub(crate) fn signal_group(&mut self, pgid: Pid, sig: u32) {
        // An empty group is no error for the terminal.
        let _ = self.kill(None, Target::Group(pgid), sig, SigInfo::kernel(sig));
    }

    /// Acts on `task`'s deliverable signals before it runs again. Like Linux,
    /// it pushes a frame for every deliverable signal, lowest number first,
    /// each under the mask of the handler before it; so the handler of the
    /// last one pushed runs first.
    pub(crate) fn deliver_signals(&mut self, task: &mut Task) {
        // A vfork parent waits uninterruptibly, except for SIGKILL.
        if task.vfork_child.is_some() && task.sig.pending & bit(SIGKILL) == 0 {
            return;
        }
        while let Some(info) = task.sig.dequeue() {
            let sig = info.signo;
            let act = task.sig.action(sig);
            match act.handler {
                SIG_IGN if sig != SIGKILL && sig != SIGSTOP => {}
                SIG_DFL | SIG_IGN => match default_action(sig) {
                    DefaultAction::Ignore | DefaultAction::Continue => {}
                    DefaultAction::Stop => {
                        task.state = RunState::Stopped {
                            sig,
                            reported: false,
                        };
                        // The whole process stops; one report is enough.
                        for t in self.tasks.values_mut().filter(|t| t.pid == task.pid) {
                            t.state = RunState::Stopped {
                                sig,
                                reported: true,
                            };
                        }
                        self.notify_stop(task, sig);
                        return;
                    }
                    DefaultAction::Terminate => {
                        return self.die(task, WaitStatus::Killed { sig, core: false })
                    }
                    DefaultAction::Core => {
                        return self.die(task, WaitStatus::Killed { sig, core: true })
                    }
                },
                _ => {
                    self.interrupt_syscall(task, act.flags);
                    let mask = task.sig.saved_mask.take().unwrap_or(task.sig.mask);
                    if frame::setup(task, &act, &info, mask).is_err() {
                        return self.die(
                            task,
                            WaitStatus::Killed {
                                sig: SIGSEGV,
                                core: true,
                            },
                        );
                    }
                    task.sig.mask |= act.mask;
                    if act.flags & SA_NODEFER == 0 {
                        task.sig.mask |= bit(sig);
                    }
                    task.sig.mask &= !super::UNBLOCKABLE;
                    if act.flags & SA_RESETHAND != 0 {
                        task.sig.set_action(sig, super::SigAction::default());
                    }
                }
            }
        }
    }

    /// A fatal signal ends the whole process.
    fn die(&mut self, task: &mut Task, status: WaitStatus) {
        task.exiting = Some(status);
        task.exit_group = true;
    }

    /// A handler is about to run while `task` is parked in a system call:
    /// either the call fails with `EINTR`, or (with `SA_RESTART`, for calls
    /// Linux restarts) it stays rewound and runs again after the handler.
    fn interrupt_syscall(&mut self, task: &mut Task, flags: u32) {
        if !matches!(task.state, RunState::Blocked { .. }) {
            return;
        }
        task.state = RunState::Runnable;
        let nr = task.cpu.reg(Reg::Eax);
        if flags & SA_RESTART == 0 || !sys::restartable(nr) {
            sys::interrupted(self, task, nr);
            task.cpu.set_reg(Reg::Eax, Errno::EINTR.as_return());
            task.cpu.eip = task.cpu.eip.wrapping_add(2);
        }
        task.restart_deadline = None;
    }

    /// Tells `task`'s parent that it stopped (SIGCHLD unless the parent asked
    /// not to be told, and a wake-up for `waitpid(WUNTRACED)`).
    fn notify_stop(&mut self, task: &Task, sig: u32) {
        if let Some(parent) = self.tasks.get_mut(&task.ppid) {
            if parent.sig.action(SIGCHLD).flags & SA_NOCLDSTOP == 0 {
                post(
                    parent,
                    SigInfo::child(CLD_STOPPED, task.pid, task.creds.user.real, sig),
                );
            }
        }
        self.gen += 1;
    }
}
