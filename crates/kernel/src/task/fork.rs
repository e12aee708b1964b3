//! Creating processes: fork(2), vfork(2) and the process-creating forms of
//! clone(2).
//!
//! A vfork child shares its parent's address space (`CLONE_VM|CLONE_VFORK`,
//! which is also what glibc's `posix_spawn` uses) while the parent waits,
//! parked in the call, until the child execs or exits. A thread
//! (`CLONE_THREAD`, which Linux allows only with `CLONE_SIGHAND` and
//! `CLONE_VM`) joins its creator's process: same pid and parent, a new tid.

use std::cell::RefCell;
use std::rc::Rc;

use tabvm_cpu::{BlockCache, Reg};

use super::{Mm, RunState, Task, Usage};
use crate::abi::errno::Errno;
use crate::abi::process::*;
use crate::sys::{SysError, SysResult};
use crate::{uaccess, Kernel, Pid};

/// The arguments of clone(2) on i386 (ebx, ecx, edx, esi, edi).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CloneArgs {
    pub flags: u32,
    pub stack: u32,
    pub parent_tid: u32,
    pub tls: u32,
    pub child_tid: u32,
}

impl Kernel {
    /// Implements fork, vfork and clone: creates the child (returning its
    /// tid), or, for a vfork
    /// parent re-executing the call, reports the child once it has let go of
    /// the shared memory.
    pub(crate) fn clone_process(&mut self, parent: &mut Task, args: CloneArgs) -> SysResult {
        if let Some(child) = parent.vfork_child {
            let waiting = self
                .tasks
                .get(&child)
                .is_some_and(|c| c.vfork_parent == Some(parent.pid));
            if waiting {
                return Err(SysError::Block { until: None });
            }
            parent.vfork_child = None;
            return Ok(child);
        }
        let f = args.flags;
        if (f & CLONE_THREAD != 0 && f & CLONE_SIGHAND == 0)
            || (f & CLONE_SIGHAND != 0 && f & CLONE_VM == 0)
        {
            return Err(Errno::EINVAL.into());
        }
        let thread = f & CLONE_THREAD != 0;
        let tid = self.alloc_pid();
        if f & CLONE_PARENT_SETTID != 0 {
            parent.mem(|m| uaccess::write_u32(m, args.parent_tid, tid))?;
        }
        let mut cpu = parent.cpu.clone();
        cpu.set_reg(Reg::Eax, 0);
        if args.stack != 0 {
            cpu.set_reg(Reg::Esp, args.stack);
        }
        if f & CLONE_SETTLS != 0 {
            let desc = parent.mem(|m| crate::sys::process::read_user_desc(m, args.tls))?;
            crate::sys::process::install_tls(&mut cpu, desc)?;
        }
        let mm = if f & CLONE_VM != 0 {
            Rc::clone(&parent.mm)
        } else {
            let parent_mm = parent.mm.borrow();
            let (space, shared, file_maps) = (
                parent_mm.space.fork(),
                parent_mm.shared.clone(),
                parent_mm.file_maps.clone(),
            );
            Rc::new(RefCell::new(Mm {
                space,
                code: BlockCache::new(),
                shared,
                file_maps,
                peak: parent_mm.peak,
            }))
        };
        let files = if f & CLONE_FILES != 0 {
            Rc::clone(&parent.files)
        } else {
            Rc::new(RefCell::new(parent.files.borrow().clone()))
        };
        let fs = if f & CLONE_FS != 0 {
            Rc::clone(&parent.fs)
        } else {
            Rc::new(RefCell::new(parent.fs.borrow().clone()))
        };
        let mut sig = parent.sig.fork();
        if f & CLONE_SIGHAND != 0 {
            sig.handlers = Rc::clone(&parent.sig.handlers);
        }
        let child = Task {
            tid,
            pid: if thread { parent.pid } else { tid },
            ppid: if thread || f & CLONE_PARENT != 0 {
                parent.ppid
            } else {
                parent.pid
            },
            cpu,
            mm,
            files,
            fs,
            pgid: parent.pgid,
            sid: parent.sid,
            restart_deadline: None,
            creds: parent.creds.clone(),
            sig,
            state: RunState::Runnable,
            continued: false,
            exiting: None,
            exit_group: false,
            clear_child_tid: if f & CLONE_CHILD_CLEARTID != 0 {
                args.child_tid
            } else {
                0
            },
            vfork_parent: (f & CLONE_VFORK != 0).then_some(parent.pid),
            vfork_child: None,
            timer: None,
            cpu_timers: [None; 2],
            rlimits: parent.rlimits,
            // A thread's end is seen through its tid word, not a signal.
            exit_signal: if thread { 0 } else { f & CSIGNAL },
            start_ns: self.now.monotonic_ns,
            exe: parent.exe.clone(),
            cmdline: parent.cmdline.clone(),
            environ: parent.environ.clone(),
            comm: parent.comm.clone(),
            usage: Usage::default(),
            children_usage: Usage::default(),
            futex: None,
            robust_list: 0,
            nice: parent.nice,
        };
        if f & CLONE_CHILD_SETTID != 0 {
            // Linux writes it in the child's memory and ignores a fault.
            let _ = child.mem(|m| m.write_u32(args.child_tid, tid));
        }
        self.tasks.insert(tid, child);
        self.gen += 1;
        if f & CLONE_VFORK != 0 {
            parent.vfork_child = Some(tid);
            return Err(SysError::Block { until: None });
        }
        Ok(tid)
    }

    /// The next free process id (ids are not reused while a process or zombie
    /// holds them).
    pub(crate) fn alloc_pid(&mut self) -> Pid {
        self.forks += 1;
        loop {
            let pid = self.next_pid;
            self.next_pid = if pid + 1 >= crate::vfs::procfs::PID_MAX {
                2
            } else {
                pid + 1
            };
            if !self.tasks.contains_key(&pid)
                && !self.zombies.contains_key(&pid)
                && !self.is_group_in_use(pid)
            {
                return pid;
            }
        }
    }

    fn is_group_in_use(&self, id: Pid) -> bool {
        self.tasks.values().any(|t| t.pgid == id || t.sid == id)
    }
}
