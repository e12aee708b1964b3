//! Waiting for children: the shared core of wait4(2), waitpid(2) and
//! waitid(2).

use super::{RunState, Task, Usage};
use crate::abi::errno::Errno;
use crate::abi::process::{WCONTINUED, WNOHANG, WNOWAIT, WUNTRACED};
use crate::sys::SysError;
use crate::{Kernel, Pid};

/// Which children a wait accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Which {
    Any,
    Pid(Pid),
    Group(Pid),
}

impl Which {
    fn accepts(self, pid: Pid, pgid: Pid) -> bool {
        match self {
            Which::Any => true,
            Which::Pid(p) => p == pid,
            Which::Group(g) => g == pgid,
        }
    }
}

/// What a wait found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Exited(super::WaitStatus),
    Stopped(u32),
    Continued,
}

/// One child's report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Report {
    pub pid: Pid,
    pub uid: u32,
    pub event: Event,
    /// What an exited child and its reaped children used.
    pub usage: Usage,
}

impl Kernel {
    /// Finds a child of `me` that `which` accepts and that has exited (or
    /// stopped, with `WUNTRACED`), reaping it unless `WNOWAIT`. `Ok(None)` for
    /// `WNOHANG` with children still running; blocks otherwise; `ECHILD` if
    /// there is no such child at all.
    pub(crate) fn wait_child(
        &mut self,
        me: &Task,
        which: Which,
        options: u32,
    ) -> Result<Option<Report>, SysError> {
        let zombie = self
            .zombies
            .iter()
            .find(|(&pid, z)| z.ppid == me.pid && which.accepts(pid, z.pgid))
            .map(|(&pid, z)| (pid, z.clone()));
        if let Some((pid, z)) = zombie {
            if options & WNOWAIT == 0 {
                self.zombies.remove(&pid);
            }
            return Ok(Some(Report {
                pid,
                uid: z.uid,
                event: Event::Exited(z.status),
                usage: z.usage,
            }));
        }
        let mut any = false;
        for t in self
            .tasks
            .values_mut()
            .filter(|t| t.ppid == me.pid && which.accepts(t.pid, t.pgid))
        {
            any = true;
            if let RunState::Stopped {
                sig,
                reported: false,
            } = t.state
            {
                if options & WUNTRACED != 0 {
                    if options & WNOWAIT == 0 {
                        t.state = RunState::Stopped {
                            sig,
                            reported: true,
                        };
                    }
                    return Ok(Some(Report {
                        pid: t.pid,
                        uid: t.creds.user.real,
                        event: Event::Stopped(sig),
                        usage: Usage::default(),
                    }));
                }
            }
            if t.continued && options & WCONTINUED != 0 {
                t.continued = options & WNOWAIT != 0;
                return Ok(Some(Report {
                    pid: t.pid,
                    uid: t.creds.user.real,
                    event: Event::Continued,
                    usage: Usage::default(),
                }));
            }
        }
        match (any, options & WNOHANG != 0) {
            (false, _) => Err(Errno::ECHILD.into()),
            (true, true) => Ok(None),
            (true, false) => Err(SysError::Block { until: None }),
        }
    }
}

/// Decodes wait4's `pid` argument.
pub(crate) fn which_from_wait4(pid: i32, me: &Task) -> Which {
    match pid {
        -1 => Which::Any,
        0 => Which::Group(me.pgid),
        p if p < 0 => Which::Group(p.unsigned_abs()),
        p => Which::Pid(p as Pid),
    }
}

/// The `wait4` status word of a report.
pub(crate) fn status_word(event: Event) -> u32 {
    match event {
        Event::Exited(s) => s.raw(),
        Event::Stopped(sig) => (sig << 8) | 0x7f,
        Event::Continued => 0xffff,
    }
}
