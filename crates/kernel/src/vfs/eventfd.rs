//! `eventfd`: a 64-bit counter that writes add to and reads take (all of
//! it, or one unit in semaphore mode).

use super::special::{anon_stat, would_block, PollCtx, SpecialFile};
use super::{Io, Stat};
use crate::abi::errno::Errno;
use crate::abi::poll::{POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use crate::sys::SysError;

/// The largest count; a write that would pass it waits.
const MAX: u64 = u64::MAX - 1;

pub(crate) struct EventFd {
    count: u64,
    semaphore: bool,
    /// Successful writes and reads, for edge-triggered epoll.
    writes: u64,
    reads: u64,
}

impl EventFd {
    pub fn new(initial: u32, semaphore: bool) -> EventFd {
        EventFd {
            count: u64::from(initial),
            semaphore,
            writes: 0,
            reads: 0,
        }
    }
}

impl SpecialFile for EventFd {
    fn read(&mut self, _io: &mut Io, buf: &mut [u8], nonblock: bool) -> Result<usize, SysError> {
        if buf.len() < 8 {
            return Err(Errno::EINVAL.into());
        }
        if self.count == 0 {
            return Err(would_block(nonblock));
        }
        let taken = if self.semaphore { 1 } else { self.count };
        self.count -= taken;
        self.reads += 1;
        buf[..8].copy_from_slice(&taken.to_le_bytes());
        Ok(8)
    }

    fn write(&mut self, _io: &mut Io, data: &[u8], nonblock: bool) -> Result<usize, SysError> {
        let Some(raw) = data.get(..8) else {
            return Err(Errno::EINVAL.into());
        };
        let add = u64::from_le_bytes(raw.try_into().unwrap_or_default());
        if add == u64::MAX {
            return Err(Errno::EINVAL.into());
        }
        if add > MAX - self.count {
            return Err(would_block(nonblock));
        }
        self.count += add;
        self.writes += 1;
        Ok(8)
    }

    fn poll(&self, _ctx: &PollCtx) -> u16 {
        let mut ev = 0;
        if self.count > 0 {
            ev |= POLLIN | POLLRDNORM;
        }
        if self.count < MAX {
            ev |= POLLOUT | POLLWRNORM;
        }
        ev
    }

    fn activity(&self, events: u16) -> u64 {
        let mut n = 0;
        if events & POLLIN != 0 {
            n += self.writes;
        }
        if events & POLLOUT != 0 {
            n += self.reads;
        }
        n
    }

    fn stat(&self) -> Stat {
        anon_stat()
    }

    fn link(&self) -> String {
        "anon_inode:[eventfd]".into()
    }
}
