//! The system call layer: one table indexed by i386 system call number,
//! assembled from one table per domain (`fs`, `process`, …).

use crate::abi::errno::Errno;

/// Why a system call did not return a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysError {
    /// Fail with this errno.
    Errno(Errno),
    /// The call must wait: the task is rewound to re-execute it when something
    /// changes or at `until` (monotonic ns), per DESIGN rule 1.
    Block { until: Option<u64> },
}

impl From<Errno> for SysError {
    fn from(e: Errno) -> Self {
        SysError::Errno(e)
    }
}

/// What a system call handler returns: the value for `eax`, or why not.
pub type SysResult = Result<u32, SysError>;

/// A system call handler: the kernel (without the calling task, which is
/// passed separately) and the six argument registers ebx, ecx, edx, esi, edi,
/// ebp.
pub type Handler = fn(&mut crate::Kernel, &mut crate::Task, [u32; 6]) -> SysResult;
