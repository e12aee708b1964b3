//! The hook for file kinds that live in their own modules: event counters,
//! timers, signal and epoll descriptors, pseudo-terminal ends, sockets. Such a file is a
//! [`SpecialFile`] behind `FileKind::Special`; the generic paths (`read`,
//! `write`, `poll`, `fstat`, `/proc/<pid>/fd`) call through the trait, and
//! the kind's own system calls find it again with [`special`].

use std::any::Any;

use super::console::Console;
use super::{Io, OpenFile, Stat};
use crate::abi::errno::Errno;
use crate::sys::SysError;

/// An open file of a [`SpecialFile`] kind (`FileKind::Special`), opaque
/// outside the kernel.
pub struct Special(pub(crate) Box<dyn SpecialFile>);

impl Special {
    pub(crate) fn new(file: Box<dyn SpecialFile>) -> Special {
        Special(file)
    }
}

/// `st_dev` of anonymous inodes and sockets (Linux's are anonymous devices too).
pub(crate) const ANON_DEV: u64 = 0xd;

/// What readiness depends on besides the file itself.
pub(crate) struct PollCtx<'a> {
    pub console: &'a Console,
    /// Monotonic time.
    pub now: u64,
    /// The polling thread's pending signals (a signalfd is ready for them).
    pub pending: u64,
}

/// A file kind implemented outside `file.rs`. Reads and writes never wait:
/// they return `SysError::Block` (or `EAGAIN` when `nonblock`) and the call
/// is re-executed later (DESIGN rule 1).
pub(crate) trait SpecialFile: Any {
    fn read(&mut self, _io: &mut Io, _buf: &mut [u8], _nonblock: bool) -> Result<usize, SysError> {
        Err(Errno::EINVAL.into())
    }

    /// `EPIPE` makes the caller raise SIGPIPE, as for pipes.
    fn write(&mut self, _io: &mut Io, _data: &[u8], _nonblock: bool) -> Result<usize, SysError> {
        Err(Errno::EINVAL.into())
    }

    /// Ready `POLL*` events.
    fn poll(&self, ctx: &PollCtx) -> u16;

    /// A count that moves whenever an event in `events` happens again (see
    /// `PipeEnd::activity`); kinds without one report new readiness only.
    fn activity(&self, _events: u16) -> u64 {
        0
    }

    /// When readiness may change by itself (a timer expiring), so a waiter
    /// parks until then.
    fn wake_at(&self) -> Option<u64> {
        None
    }

    /// `fstat`: mode (type and permissions) and inode number.
    fn stat(&self) -> Stat;

    /// What `/proc/<pid>/fd/N` shows: `anon_inode:[eventfd]`, `socket:[7]`.
    fn link(&self) -> String;

    /// The pseudo-terminal this is an end of, and whether the master end:
    /// terminal `ioctl`s apply to it.
    fn pty(&self) -> Option<(&super::pty::PtyRef, bool)> {
        None
    }

    /// Bytes readable now (`FIONREAD`), if the kind has such a count.
    fn available(&self) -> Result<u64, Errno> {
        Err(Errno::ENOTTY)
    }
}

/// The answer for an operation that cannot proceed yet: park, or `EAGAIN`
/// with `O_NONBLOCK`.
pub(crate) fn would_block(nonblock: bool) -> SysError {
    if nonblock {
        Errno::EAGAIN.into()
    } else {
        SysError::Block { until: None }
    }
}

/// An anonymous inode's `fstat` (`anon_inode_getfd` files: mode 0600, no type bits).
pub(crate) fn anon_stat() -> Stat {
    Stat {
        dev: ANON_DEV,
        ino: 1,
        mode: 0o600,
        nlink: 1,
        blksize: 4096,
        ..Stat::default()
    }
}

/// The special file of kind `T` behind `file` (`EINVAL` for anything else,
/// as Linux answers a call made on the wrong kind of descriptor).
pub(crate) fn special<T: SpecialFile>(file: &OpenFile) -> Result<&T, Errno> {
    match &file.kind {
        super::FileKind::Special(s) => {
            let any: &dyn Any = &*s.0;
            any.downcast_ref().ok_or(Errno::EINVAL)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// Mutable [`special`].
pub(crate) fn special_mut<T: SpecialFile>(file: &mut OpenFile) -> Result<&mut T, Errno> {
    match &mut file.kind {
        super::FileKind::Special(s) => {
            let any: &mut dyn Any = &mut *s.0;
            any.downcast_mut().ok_or(Errno::EINVAL)
        }
        _ => Err(Errno::EINVAL),
    }
}
