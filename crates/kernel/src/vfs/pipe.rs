//! Pipes and named pipes (FIFOs): a bounded byte queue shared by ends that
//! read, write, or both (a FIFO opened `O_RDWR`).
//!
//! The reader and writer counts are kept by the ends themselves: an end is
//! owned by an open file description and drops its counts when the last
//! descriptor closes, which is what makes readers see EOF and writers
//! `EPIPE`. Nothing blocks; a full or empty pipe answers `Block` (or
//! `EAGAIN` with `O_NONBLOCK`).
//!
//! Opening a FIFO cannot wait the way Linux does (the open would have to
//! count as a reader while it waits, across re-executions). Instead a
//! reader's open returns at once and its reads wait until a first writer
//! has come ([`PipeEnd::fifo`]); a writer's open waits for a reader. The
//! order of events seen by the programs is the same.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use super::special::would_block;
use crate::abi::errno::Errno;
use crate::abi::poll::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use crate::sys::SysError;

/// Linux's default pipe capacity.
const PIPE_CAPACITY: usize = 65536;
/// The largest capacity `F_SETPIPE_SZ` gives (`/proc/sys/fs/pipe-max-size`).
const PIPE_MAX_SIZE: usize = 1 << 20;
const PAGE: usize = 4096;
/// Writes up to this size are atomic (`PIPE_BUF`).
pub const PIPE_BUF: usize = 4096;

/// The shared queue.
pub struct Pipe {
    buf: VecDeque<u8>,
    /// Bytes it holds at most (`F_SETPIPE_SZ`).
    capacity: usize,
    readers: u32,
    writers: u32,
    /// A writer has existed: until then a FIFO reader waits instead of
    /// seeing end of file.
    had_writer: bool,
    /// Writes and reads so far, for edge-triggered epoll (see [`PipeEnd::activity`]).
    writes_done: u64,
    reads_done: u64,
}

impl Default for Pipe {
    fn default() -> Self {
        Pipe {
            buf: VecDeque::new(),
            capacity: PIPE_CAPACITY,
            readers: 0,
            writers: 0,
            had_writer: false,
            writes_done: 0,
            reads_done: 0,
        }
    }
}

/// A pipe as several open file descriptions share it.
pub type PipeRef = Rc<RefCell<Pipe>>;

/// One end of a pipe, owned by an open file description.
pub struct PipeEnd {
    pipe: PipeRef,
    reads: bool,
    writes: bool,
    /// A FIFO reader opened without `O_NONBLOCK`: waits for a first writer.
    wait_for_writer: bool,
    /// Identifies an anonymous pipe in `stat` (`st_ino`), like pipefs inodes.
    pub id: u64,
}

impl Pipe {
    /// A new anonymous pipe: (read end, write end).
    pub fn pair(id: u64) -> (PipeEnd, PipeEnd) {
        let pipe = PipeRef::default();
        (
            PipeEnd::new(pipe.clone(), true, false, false, id),
            PipeEnd::new(pipe, false, true, false, id),
        )
    }
}

impl PipeEnd {
    fn new(pipe: PipeRef, reads: bool, writes: bool, wait_for_writer: bool, id: u64) -> PipeEnd {
        {
            let mut p = pipe.borrow_mut();
            p.readers += u32::from(reads);
            p.writers += u32::from(writes);
            p.had_writer |= writes;
        }
        PipeEnd {
            pipe,
            reads,
            writes,
            wait_for_writer,
            id,
        }
    }

    /// An end of a named pipe. A writer-only open must wait (`Block`, or
    /// `ENXIO` with `nonblock`) while the FIFO has no reader.
    pub fn fifo(
        pipe: &PipeRef,
        reads: bool,
        writes: bool,
        nonblock: bool,
    ) -> Result<PipeEnd, SysError> {
        if writes && !reads && pipe.borrow().readers == 0 {
            return Err(if nonblock {
                Errno::ENXIO.into()
            } else {
                SysError::Block { until: None }
            });
        }
        Ok(PipeEnd::new(
            pipe.clone(),
            reads,
            writes,
            reads && !writes && !nonblock,
            0,
        ))
    }

    /// Reads what is there; 0 at EOF (no writers left).
    pub fn read(&self, buf: &mut [u8], nonblock: bool) -> Result<usize, SysError> {
        let mut p = self.pipe.borrow_mut();
        if p.buf.is_empty() {
            let waiting = p.writers > 0 || (self.wait_for_writer && !p.had_writer);
            return if !waiting || buf.is_empty() {
                Ok(0)
            } else {
                Err(would_block(nonblock))
            };
        }
        let n = buf.len().min(p.buf.len());
        p.reads_done += 1;
        for (dst, src) in buf.iter_mut().zip(p.buf.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }

    /// Writes as much as fits (all or nothing up to `PIPE_BUF`). `EPIPE`
    /// when no reader is left; the caller raises SIGPIPE.
    pub fn write(&self, data: &[u8], nonblock: bool) -> Result<usize, SysError> {
        let mut p = self.pipe.borrow_mut();
        if p.readers == 0 {
            return Err(SysError::Errno(Errno::EPIPE));
        }
        let space = p.capacity.saturating_sub(p.buf.len());
        if space == 0 || (data.len() <= PIPE_BUF && space < data.len()) {
            return Err(would_block(nonblock));
        }
        let n = data.len().min(space);
        p.buf.extend(&data[..n]);
        p.writes_done += 1;
        Ok(n)
    }

    /// `F_GETPIPE_SZ`.
    pub fn capacity(&self) -> usize {
        self.pipe.borrow().capacity
    }

    /// `F_SETPIPE_SZ`: at least `size` bytes, a power of two pages, at
    /// most [`PIPE_MAX_SIZE`]; `EBUSY` if the data waiting would not fit.
    pub fn set_capacity(&self, size: usize) -> Result<usize, Errno> {
        if size > PIPE_MAX_SIZE {
            return Err(Errno::EPERM);
        }
        let size = size.max(PAGE).next_power_of_two();
        let mut p = self.pipe.borrow_mut();
        if p.buf.len() > size {
            return Err(Errno::EBUSY);
        }
        p.capacity = size;
        Ok(size)
    }

    /// Bytes waiting (`FIONREAD`).
    pub fn available(&self) -> usize {
        self.pipe.borrow().buf.len()
    }

    /// A count that moves whenever an event in `events` happens again
    /// (data arrived for `POLLIN`, space freed for `POLLOUT`), even if the
    /// end was ready all along: what an edge-triggered epoll entry reports.
    pub fn activity(&self, events: u16) -> u64 {
        let p = self.pipe.borrow();
        let mut n = 0;
        if events & POLLIN != 0 {
            n += p.writes_done;
        }
        if events & POLLOUT != 0 {
            n += p.reads_done;
        }
        n
    }

    /// `poll` events of this end.
    pub fn poll(&self) -> u16 {
        let p = self.pipe.borrow();
        let mut ev = 0;
        if self.writes {
            if p.buf.len() + PIPE_BUF <= p.capacity {
                ev |= POLLOUT | POLLWRNORM;
            }
            if p.readers == 0 {
                ev |= POLLERR;
            }
        }
        if self.reads {
            if !p.buf.is_empty() {
                ev |= POLLIN | POLLRDNORM;
            }
            if p.writers == 0 && (p.had_writer || !self.wait_for_writer) {
                ev |= POLLHUP;
            }
        }
        ev
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut p = self.pipe.borrow_mut();
        p.readers -= u32::from(self.reads);
        p.writers -= u32::from(self.writes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: SysError = SysError::Block { until: None };

    #[test]
    fn read_blocks_then_sees_data_then_eof() {
        let (r, w) = Pipe::pair(1);
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf, false), Err(BLOCK));
        assert_eq!(r.read(&mut buf, true), Err(SysError::Errno(Errno::EAGAIN)));
        assert_eq!(r.poll(), 0);
        assert_eq!(w.write(b"hello", false), Ok(5));
        assert_eq!(r.poll(), POLLIN | POLLRDNORM);
        assert_eq!(r.read(&mut buf[..3], false), Ok(3));
        assert_eq!(r.read(&mut buf, false), Ok(2));
        assert_eq!(&buf[..2], b"lo");
        drop(w);
        assert_eq!(r.poll(), POLLHUP);
        assert_eq!(r.read(&mut buf, false), Ok(0));
    }

    #[test]
    fn write_without_reader_is_epipe_and_full_pipe_blocks() {
        let (r, w) = Pipe::pair(1);
        let big = vec![1u8; PIPE_CAPACITY + 10];
        assert_eq!(w.write(&big, false), Ok(PIPE_CAPACITY));
        assert_eq!(w.write(b"x", false), Err(BLOCK));
        assert_eq!(w.poll(), 0);
        let mut buf = vec![0u8; 100];
        assert_eq!(r.read(&mut buf, false), Ok(100));
        // 100 bytes free is less than the atomic 4096: still wait.
        assert_eq!(w.write(&[2u8; 200], false), Err(BLOCK));
        drop(r);
        assert_eq!(w.write(b"x", false), Err(SysError::Errno(Errno::EPIPE)));
        assert_eq!(w.poll() & POLLERR, POLLERR);
    }

    #[test]
    fn fifo_reader_waits_for_first_writer() {
        let fifo = PipeRef::default();
        assert_eq!(
            PipeEnd::fifo(&fifo, false, true, true).err(),
            Some(SysError::Errno(Errno::ENXIO))
        );
        assert_eq!(PipeEnd::fifo(&fifo, false, true, false).err(), Some(BLOCK));
        let r = PipeEnd::fifo(&fifo, true, false, false).unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(r.read(&mut buf, false), Err(BLOCK));
        assert_eq!(r.poll(), 0);
        let w = PipeEnd::fifo(&fifo, false, true, false).unwrap();
        assert_eq!(w.write(b"hi", false), Ok(2));
        drop(w);
        assert_eq!(r.read(&mut buf, false), Ok(2));
        assert_eq!(r.read(&mut buf, false), Ok(0));
        let rw = PipeEnd::fifo(&fifo, true, true, false).unwrap();
        assert_eq!(rw.write(b"x", false), Ok(1));
        assert_eq!(rw.poll(), POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
    }
}
