//! Open file descriptions: what a descriptor points at, its status flags and
//! offset, and the read/write/poll/stat operations that depend on its kind.
//!
//! A description opened from a node keeps the node's file system and inode
//! and tells the file system (`open`/`release`) so an unlinked file lives
//! until its last descriptor closes.

use std::cell::RefCell;
use std::rc::Rc;

use super::console::Console;
use super::devices::Device;
use super::ldisc::background_access;
use super::pipe::PipeEnd;
use super::special::{PollCtx, Special};
use super::{FileSystem, Ino, Stat};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{O_ACCMODE, O_APPEND, O_NONBLOCK, O_PATH, O_RDONLY, O_WRONLY};
use crate::abi::poll::{POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use crate::abi::signal::{SIGTTIN, SIGTTOU};
use crate::abi::stat::S_IFIFO;
use crate::abi::termios::TOSTOP;
use crate::sys::SysError;
use crate::{Host, Kernel, Stream, Task};

/// A mounted file system, shared by the mount table and open files.
pub type FsRef = Rc<RefCell<Box<dyn FileSystem>>>;

/// What an open file description refers to.
pub enum FileKind {
    /// A regular file (or a device node of an unknown kind opened `O_PATH`).
    Regular,
    /// A directory; `listing` is the snapshot `getdents` walks, made at the
    /// first read and dropped by a seek to 0 (`rewinddir`).
    Dir {
        listing: Option<Vec<(Ino, u8, Vec<u8>)>>,
    },
    /// An `O_PATH` handle: usable only as a directory base and for `fstat`.
    Path,
    Pipe(PipeEnd),
    Device(Device),
    /// The console tty.
    Tty,
    /// Console input when the host's stdin is not a terminal.
    Stdin,
    /// Console output when the host's stream is not a terminal.
    Output(Stream),
    /// A kind implemented in its own module (`special.rs`).
    Special(Special),
}

/// The node an open file was opened from.
pub struct NodeRef {
    pub fs: FsRef,
    pub loc: super::Loc,
    /// `st_dev` of its mount.
    pub dev: u64,
    /// Where the path it was opened by started, and that path: what
    /// `/proc/<pid>/fd/N` shows, made absolute when asked.
    pub(crate) origin: Option<(super::Loc, Vec<u8>)>,
}

/// An open file description.
pub struct OpenFile {
    pub kind: FileKind,
    /// `O_ACCMODE` and status flags (`O_APPEND`, `O_NONBLOCK`, …).
    pub flags: u32,
    pub offset: u64,
    pub(crate) node: Option<NodeRef>,
    /// Releases this description's `flock` and `F_OFD_*` locks with it.
    pub(crate) locks: Option<super::lock::LockGuard>,
}

/// What reads and writes of console-backed and device files need.
pub(crate) struct Io<'a> {
    pub console: &'a mut Console,
    pub host: &'a mut dyn Host,
    /// Monotonic time, for `VTIME`.
    pub now: u64,
    /// The task's restart deadline.
    pub deadline: &'a mut Option<u64>,
    /// The task's signals (a signalfd reads them).
    pub signals: &'a mut crate::signal::SigState,
    /// The task's process group and session, for terminal job control.
    pub pgid: crate::Pid,
    pub sid: crate::Pid,
}

/// `st_dev` of pipes (Linux's pipefs is an anonymous device too).
const PIPEFS_DEV: u64 = 0xc;

impl OpenFile {
    /// A description not backed by a node (pipes, console streams).
    pub fn new(kind: FileKind, flags: u32) -> OpenFile {
        OpenFile {
            kind,
            flags,
            offset: 0,
            node: None,
            locks: None,
        }
    }

    /// A description of a node; tells its file system.
    pub(crate) fn with_node(kind: FileKind, flags: u32, node: NodeRef) -> OpenFile {
        node.fs.borrow_mut().open(node.loc.ino);
        OpenFile {
            kind,
            flags,
            offset: 0,
            node: Some(node),
            locks: None,
        }
    }

    pub(crate) fn readable(&self) -> bool {
        self.flags & O_PATH == 0 && self.flags & O_ACCMODE != O_WRONLY
    }

    pub(crate) fn writable(&self) -> bool {
        self.flags & O_PATH == 0 && self.flags & O_ACCMODE != O_RDONLY
    }

    fn nonblock(&self) -> bool {
        self.flags & O_NONBLOCK != 0
    }

    /// Whether `lseek`/`pread` make sense (`ESPIPE` otherwise).
    pub fn seekable(&self) -> bool {
        matches!(
            self.kind,
            FileKind::Regular | FileKind::Dir { .. } | FileKind::Device(_)
        )
    }

    pub fn is_tty(&self) -> bool {
        match &self.kind {
            FileKind::Tty => true,
            FileKind::Special(s) => s.0.pty().is_some(),
            _ => false,
        }
    }

    /// The file system and inode of a regular file.
    fn regular(&self) -> Result<&NodeRef, Errno> {
        match (&self.kind, &self.node) {
            (FileKind::Regular, Some(n)) => Ok(n),
            (FileKind::Dir { .. }, _) => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Reads at `at`, or at the file offset (advancing it) when `None`.
    pub(crate) fn read(
        &mut self,
        io: &mut Io,
        buf: &mut [u8],
        at: Option<u64>,
    ) -> Result<usize, SysError> {
        if !self.readable() {
            return Err(Errno::EBADF.into());
        }
        let nonblock = self.nonblock();
        if let FileKind::Special(s) = &mut self.kind {
            return s.0.read(io, buf, nonblock);
        }
        match &self.kind {
            FileKind::Regular => {
                let node = self.regular()?;
                let n = node
                    .fs
                    .borrow_mut()
                    .read(node.loc.ino, at.unwrap_or(self.offset), buf)?;
                if at.is_none() {
                    self.offset += n as u64;
                }
                Ok(n)
            }
            FileKind::Dir { .. } => Err(Errno::EISDIR.into()),
            FileKind::Path | FileKind::Output(_) | FileKind::Special(_) => Err(Errno::EBADF.into()),
            FileKind::Pipe(p) => p.read(buf, nonblock),
            FileKind::Device(d) => Ok(d.read(io.host, buf)),
            FileKind::Tty => {
                let (fg, sid) = (io.console.foreground, io.console.session);
                background_access(io, fg, sid, SIGTTIN)?;
                io.console.read_tty(buf, nonblock, io.now, io.deadline)
            }
            FileKind::Stdin => io.console.read_stdin(buf, nonblock),
        }
    }

    /// Writes at `at`, or at the file offset (end of file with `O_APPEND`).
    /// `EPIPE` means the caller raises SIGPIPE.
    pub(crate) fn write(
        &mut self,
        io: &mut Io,
        data: &[u8],
        at: Option<u64>,
    ) -> Result<usize, SysError> {
        if !self.writable() {
            return Err(Errno::EBADF.into());
        }
        let nonblock = self.nonblock();
        if let FileKind::Special(s) = &mut self.kind {
            return s.0.write(io, data, nonblock);
        }
        match &self.kind {
            FileKind::Regular => {
                let node = self.regular()?;
                let mut fs = node.fs.borrow_mut();
                let ino = node.loc.ino;
                let pos = match at {
                    Some(p) => p,
                    None if self.flags & O_APPEND != 0 => fs.stat(ino)?.size,
                    None => self.offset,
                };
                let n = fs.write(ino, pos, data)?;
                drop(fs);
                if at.is_none() {
                    self.offset = pos + n as u64;
                }
                Ok(n)
            }
            FileKind::Dir { .. } => Err(Errno::EISDIR.into()),
            FileKind::Path | FileKind::Stdin | FileKind::Special(_) => Err(Errno::EBADF.into()),
            FileKind::Pipe(p) => p.write(data, nonblock),
            FileKind::Device(d) => Ok(d.write(data)?),
            FileKind::Tty => {
                if io.console.ldisc.termios.lflag & TOSTOP != 0 {
                    let (fg, sid) = (io.console.foreground, io.console.session);
                    background_access(io, fg, sid, SIGTTOU)?;
                }
                io.console.write_tty(data);
                Ok(data.len())
            }
            FileKind::Output(s) => {
                io.console.write_stream(*s, data);
                Ok(data.len())
            }
        }
    }

    /// Ready events for `poll`/`select`.
    pub(crate) fn poll(&self, ctx: &PollCtx) -> u16 {
        const RW: u16 = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
        let console = ctx.console;
        let ev = match &self.kind {
            FileKind::Pipe(p) => return p.poll(),
            FileKind::Special(s) => return s.0.poll(ctx),
            FileKind::Tty if console.readable(true) => RW,
            FileKind::Tty => POLLOUT | POLLWRNORM,
            FileKind::Stdin if console.available(false) > 0 => POLLIN | POLLRDNORM,
            FileKind::Stdin if console.readable(false) => POLLHUP,
            FileKind::Stdin => 0,
            FileKind::Output(_) => POLLOUT | POLLWRNORM,
            _ => RW,
        };
        // Only the directions the file is open for.
        let mut mask = POLLHUP;
        if self.readable() {
            mask |= POLLIN | POLLRDNORM;
        }
        if self.writable() {
            mask |= POLLOUT | POLLWRNORM;
        }
        ev & mask
    }

    /// `fstat`.
    pub fn stat(&self) -> Result<Stat, Errno> {
        if let Some(n) = &self.node {
            let mut st = n.fs.borrow_mut().stat(n.loc.ino)?;
            st.dev = n.dev;
            return Ok(st);
        }
        let fifo = |ino| Stat {
            dev: PIPEFS_DEV,
            ino,
            mode: S_IFIFO | 0o600,
            nlink: 1,
            blksize: 4096,
            ..Stat::default()
        };
        Ok(match &self.kind {
            FileKind::Pipe(p) => fifo(p.id),
            FileKind::Special(s) => s.0.stat(),
            _ => fifo(1),
        })
    }

    /// A count that moves when an event in `events` recurs (edge-triggered epoll).
    pub(crate) fn activity(&self, events: u16) -> u64 {
        match &self.kind {
            FileKind::Pipe(p) => p.activity(events),
            FileKind::Special(s) => s.0.activity(events),
            _ => 0,
        }
    }

    /// When this file's readiness may change by itself (a timer).
    pub(crate) fn wake_at(&self) -> Option<u64> {
        match &self.kind {
            FileKind::Special(s) => s.0.wake_at(),
            _ => None,
        }
    }

    /// Bytes readable without blocking (`FIONREAD`).
    pub(crate) fn available(&self, console: &Console) -> Result<u64, Errno> {
        match &self.kind {
            FileKind::Pipe(p) => Ok(p.available() as u64),
            FileKind::Tty => Ok(console.available(true) as u64),
            FileKind::Stdin => Ok(console.available(false) as u64),
            FileKind::Regular => Ok(self.stat()?.size.saturating_sub(self.offset)),
            FileKind::Special(s) => s.0.available(),
            _ => Err(Errno::ENOTTY),
        }
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        if let Some(n) = &self.node {
            // A file system may be busy only if we are inside one of its
            // calls, which never drops descriptions; be safe anyway.
            if let Ok(mut fs) = n.fs.try_borrow_mut() {
                fs.release(n.loc.ino);
            }
        }
    }
}

/// Reads up to `len` bytes of the regular file open as `fd` at `offset`
/// without moving its offset, for file-backed `mmap`. Shorter at end of
/// file. `EACCES` if not open for reading, `ENODEV` if not a regular file.
pub(crate) fn read_fd_at(
    _k: &mut Kernel,
    task: &Task,
    fd: u32,
    offset: u64,
    len: usize,
) -> Result<Vec<u8>, Errno> {
    let file = task.files.borrow().get(fd)?;
    let file = file.borrow();
    if file.flags & O_PATH != 0 {
        return Err(Errno::EBADF);
    }
    if file.regular().is_err() {
        return Err(Errno::ENODEV);
    }
    if !file.readable() {
        return Err(Errno::EACCES);
    }
    read_mapped(&file, offset, len)
}

/// Reads up to `len` bytes at `offset` of the regular file behind a mapping
/// (shorter at end of file), whatever its access mode now.
pub(crate) fn read_mapped(file: &OpenFile, offset: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let node = file.regular()?;
    let mut buf = vec![0; len];
    let mut done = 0;
    while done < len {
        let n = node
            .fs
            .borrow_mut()
            .read(node.loc.ino, offset + done as u64, &mut buf[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    buf.truncate(done);
    Ok(buf)
}
