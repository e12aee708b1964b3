//! Data transfer: `read`, `write` and their vector and positioned forms,
//! `lseek`, `sendfile`.

use super::{file, io, mem, ok, read_iovecs};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{SEEK_CUR, SEEK_END, SEEK_SET};
use crate::sys::{SysError, SysResult};
use crate::uaccess;
use crate::vfs::FileKind;
use crate::{Kernel, Task};

/// Most bytes moved by one call: bounds the kernel buffer a guest can ask
/// for. Shorter transfers are legal for every file kind.
const MAX_IO: usize = 1 << 24;
const SIGPIPE: u32 = 13;
/// `SEEK_DATA` and `SEEK_HOLE`: a file here is all data.
const SEEK_DATA: u32 = 3;
const SEEK_HOLE: u32 = 4;

/// Reads into a kernel buffer of at most `len` bytes.
fn read_into(
    k: &mut Kernel,
    task: &mut Task,
    fd: u32,
    len: usize,
    at: Option<u64>,
) -> Result<Vec<u8>, SysError> {
    let f = file(task, fd)?;
    if at.is_some() && !f.borrow().seekable() {
        return Err(Errno::ESPIPE.into());
    }
    let mut buf = vec![0; len.min(MAX_IO)];
    let r = f.borrow_mut().read(&mut io(k, task), &mut buf, at);
    send_tty_signals(k, task);
    buf.truncate(r?);
    Ok(buf)
}

/// Sends the signals terminals raised during a transfer: job control
/// (SIGTTIN, SIGTTOU) and keyboard input written to a pty master. The
/// caller, out of the task map, is reached too.
fn send_tty_signals(k: &mut Kernel, task: &mut Task) {
    use crate::signal::{deliver::Target, SigInfo};
    for (pgid, sig) in std::mem::take(&mut k.vfs.console.signals) {
        // An empty group is no error for the terminal.
        let _ = k.kill(Some(task), Target::Group(pgid), sig, SigInfo::kernel(sig));
    }
}

/// Writes `data`; a write to a pipe without readers also raises SIGPIPE.
fn write_from(
    k: &mut Kernel,
    task: &mut Task,
    fd: u32,
    data: &[u8],
    at: Option<u64>,
) -> Result<usize, SysError> {
    let f = file(task, fd)?;
    if at.is_some() && !f.borrow().seekable() {
        return Err(Errno::ESPIPE.into());
    }
    let r = f.borrow_mut().write(&mut io(k, task), data, at);
    if r == Err(SysError::Errno(Errno::EPIPE)) {
        task.raise(SIGPIPE);
    }
    send_tty_signals(k, task);
    r
}

/// How much of a guest buffer a read may fill: up to its first bad page
/// (`EFAULT` when that is the first byte), as Linux transfers.
fn room(task: &Task, addr: u32, len: usize) -> Result<usize, Errno> {
    let len = len.min(MAX_IO);
    match uaccess::writable_prefix(&mut mem(task).space, addr, len) {
        0 if len > 0 => Err(Errno::EFAULT),
        n => Ok(n),
    }
}

/// The readable start of a guest buffer to write (`EFAULT` if none of it).
fn gather(task: &Task, addr: u32, len: usize) -> Result<Vec<u8>, Errno> {
    let data = uaccess::read_prefix(&mut mem(task).space, addr, len.min(MAX_IO));
    if data.is_empty() && len > 0 {
        return Err(Errno::EFAULT);
    }
    Ok(data)
}

fn read_at(k: &mut Kernel, task: &mut Task, a: [u32; 6], at: Option<u64>) -> SysResult {
    let len = room(task, a[1], a[2] as usize)?;
    let buf = read_into(k, task, a[0], len, at)?;
    uaccess::write_bytes(&mut mem(task).space, a[1], &buf)?;
    ok(buf.len())
}

fn write_at(k: &mut Kernel, task: &mut Task, a: [u32; 6], at: Option<u64>) -> SysResult {
    let data = gather(task, a[1], a[2] as usize)?;
    ok(write_from(k, task, a[0], &data, at)?)
}

/// A 64-bit offset from two registers (low, high), refusing negatives.
fn offset64(lo: u32, hi: u32) -> Result<u64, Errno> {
    let off = (u64::from(hi) << 32) | u64::from(lo);
    if (off as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(off)
}

/// implements read(2)
pub(super) fn read(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    read_at(k, task, a, None)
}

/// implements write(2)
pub(super) fn write(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    write_at(k, task, a, None)
}

/// implements pread64(2): offset in esi:edi (low, high)
pub(super) fn pread64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    read_at(k, task, a, Some(offset64(a[3], a[4])?))
}

/// implements pwrite64(2)
pub(super) fn pwrite64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    write_at(k, task, a, Some(offset64(a[3], a[4])?))
}

/// Reads once into a buffer as large as the vectors up to the first bad
/// one allow (`EFAULT` if the first is bad), then scatters.
fn readv_at(k: &mut Kernel, task: &mut Task, a: [u32; 6], at: Option<u64>) -> SysResult {
    let iov = read_iovecs(task, a[1], a[2])?;
    let mut total = 0;
    for &(base, len) in &iov {
        let n = uaccess::writable_prefix(&mut mem(task).space, base, len as usize);
        total += n;
        if n < len as usize {
            if total == 0 {
                return Err(Errno::EFAULT.into());
            }
            break;
        }
    }
    let buf = read_into(k, task, a[0], total, at)?;
    let mut done = 0;
    for (base, len) in iov {
        let n = (len as usize).min(buf.len() - done);
        uaccess::write_bytes(&mut mem(task).space, base, &buf[done..done + n])?;
        done += n;
    }
    ok(done)
}

/// Gathers the vectors and writes once (so a pipe write stays atomic). A
/// bad vector ends the gathering: what came before it is written, and
/// only an empty result is `EFAULT`, as on Linux.
fn writev_at(k: &mut Kernel, task: &mut Task, a: [u32; 6], at: Option<u64>) -> SysResult {
    let iov = read_iovecs(task, a[1], a[2])?;
    let mut data = Vec::new();
    for (base, len) in iov {
        let len = (len as usize).min(MAX_IO - data.len());
        let part = uaccess::read_prefix(&mut mem(task).space, base, len);
        let short = part.len() < len;
        data.extend(part);
        if short {
            if data.is_empty() {
                return Err(Errno::EFAULT.into());
            }
            break;
        }
    }
    ok(write_from(k, task, a[0], &data, at)?)
}

/// implements readv(2)
pub(super) fn readv(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    readv_at(k, task, a, None)
}

/// implements writev(2)
pub(super) fn writev(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    writev_at(k, task, a, None)
}

/// implements preadv(2): offset in esi:edi
pub(super) fn preadv(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    readv_at(k, task, a, Some(offset64(a[3], a[4])?))
}

/// implements pwritev(2)
pub(super) fn pwritev(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    writev_at(k, task, a, Some(offset64(a[3], a[4])?))
}

/// Moves the file offset; returns the new one.
fn seek(task: &Task, fd: u32, off: i64, whence: u32) -> Result<u64, Errno> {
    let f = file(task, fd)?;
    let mut f = f.borrow_mut();
    if !f.seekable() {
        return Err(Errno::ESPIPE);
    }
    if matches!(f.kind, FileKind::Device(_)) {
        return Ok(0);
    }
    let size = || f.stat().map(|s| s.size as i64);
    let new = match whence {
        SEEK_SET => off,
        SEEK_CUR => (f.offset as i64).checked_add(off).ok_or(Errno::EOVERFLOW)?,
        SEEK_END => size()?.checked_add(off).ok_or(Errno::EOVERFLOW)?,
        SEEK_DATA if off < size()? => off,
        SEEK_HOLE if off < size()? => size()?,
        SEEK_DATA | SEEK_HOLE => return Err(Errno::ENXIO),
        _ => return Err(Errno::EINVAL),
    };
    if new < 0 {
        return Err(Errno::EINVAL);
    }
    if let FileKind::Dir { listing } = &mut f.kind {
        if new == 0 {
            *listing = None;
        }
    }
    f.offset = new as u64;
    Ok(new as u64)
}

/// implements lseek(2) with a 32-bit offset (`EOVERFLOW` past 2 GiB)
pub(super) fn lseek(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let new = seek(task, a[0], i64::from(a[1] as i32), a[2])?;
    if new > i32::MAX as u64 {
        return Err(Errno::EOVERFLOW.into());
    }
    ok(new as usize)
}

/// implements _llseek(2): offset high in ecx, low in edx, result at esi
pub(super) fn llseek(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let off = ((u64::from(a[1]) << 32) | u64::from(a[2])) as i64;
    let new = seek(task, a[0], off, a[4])?;
    uaccess::write_bytes(&mut mem(task).space, a[3], &new.to_le_bytes())?;
    Ok(0)
}

/// Where one end of a copy reads or writes: a guest `off_t`/`loff_t` of
/// `size` bytes at `addr` (updated after the copy), or the file offset.
#[derive(Clone, Copy)]
struct End {
    fd: u32,
    off_addr: u32,
    size: usize,
}

impl End {
    fn offset(&self, task: &Task) -> Result<Option<u64>, Errno> {
        if self.off_addr == 0 {
            return Ok(None);
        }
        let raw = uaccess::read_bytes(&mut mem(task).space, self.off_addr, self.size)?;
        let mut b = [0u8; 8];
        b[..self.size].copy_from_slice(&raw);
        let off = if self.size == 4 {
            i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        } else {
            i64::from_le_bytes(b)
        };
        u64::try_from(off).map(Some).map_err(|_| Errno::EINVAL)
    }

    fn store(&self, task: &Task, off: u64) -> Result<(), Errno> {
        uaccess::write_bytes(
            &mut mem(task).space,
            self.off_addr,
            &off.to_le_bytes()[..self.size],
        )
    }
}

/// Copies up to `count` bytes from a regular file to `out` (`sendfile`,
/// `copy_file_range`), reading at the input's explicit or own offset so
/// nothing is consumed if the write has to wait.
fn transfer(k: &mut Kernel, task: &mut Task, input: End, out: End, count: usize) -> SysResult {
    let in_file = file(task, input.fd)?;
    if !matches!(in_file.borrow().kind, FileKind::Regular) {
        return Err(Errno::EINVAL.into());
    }
    let start = match input.offset(task)? {
        Some(off) => off,
        None => in_file.borrow().offset,
    };
    let out_at = out.offset(task)?;
    let data = read_into(k, task, input.fd, count, Some(start))?;
    let n = write_from(k, task, out.fd, &data, out_at)?;
    match input.off_addr {
        0 => in_file.borrow_mut().offset = start + n as u64,
        _ => input.store(task, start + n as u64)?,
    }
    if let Some(at) = out_at {
        out.store(task, at + n as u64)?;
    }
    ok(n)
}

/// implements sendfile(2) with a 32-bit offset pointer
pub(super) fn sendfile(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    transfer(
        k,
        task,
        End {
            fd: a[1],
            off_addr: a[2],
            size: 4,
        },
        End {
            fd: a[0],
            off_addr: 0,
            size: 8,
        },
        a[3] as usize,
    )
}

/// implements sendfile64(2)
pub(super) fn sendfile64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    transfer(
        k,
        task,
        End {
            fd: a[1],
            off_addr: a[2],
            size: 8,
        },
        End {
            fd: a[0],
            off_addr: 0,
            size: 8,
        },
        a[3] as usize,
    )
}

/// implements copy_file_range(2) between regular files
pub(super) fn copy_file_range(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    if a[5] != 0 {
        return Err(Errno::EINVAL.into());
    }
    let out = file(task, a[2])?;
    if !matches!(out.borrow().kind, FileKind::Regular) {
        return Err(Errno::EINVAL.into());
    }
    transfer(
        k,
        task,
        End {
            fd: a[0],
            off_addr: a[1],
            size: 8,
        },
        End {
            fd: a[2],
            off_addr: a[3],
            size: 8,
        },
        a[4] as usize,
    )
}

/// implements splice(2) between a pipe and a regular file: from a file
/// (nothing is consumed if the pipe is full) or from a pipe into a file.
/// `SPLICE_F_*` flags are hints and ignored; pipe-to-pipe is `EINVAL`.
pub(super) fn splice(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let input = End {
        fd: a[0],
        off_addr: a[1],
        size: 8,
    };
    let out = End {
        fd: a[2],
        off_addr: a[3],
        size: 8,
    };
    let kind = |fd| -> Result<(bool, bool), SysError> {
        let f = file(task, fd)?;
        let f = f.borrow();
        Ok((
            matches!(f.kind, FileKind::Pipe(_)),
            matches!(f.kind, FileKind::Regular),
        ))
    };
    let ((in_pipe, in_file), (out_pipe, out_file)) = (kind(input.fd)?, kind(out.fd)?);
    if in_pipe && input.off_addr != 0 || out_pipe && out.off_addr != 0 {
        return Err(Errno::ESPIPE.into());
    }
    match (in_pipe, in_file, out_pipe, out_file) {
        (false, true, true, _) => transfer(k, task, input, out, a[4] as usize),
        (true, _, false, true) => {
            let out_at = out.offset(task)?;
            let data = read_into(k, task, input.fd, a[4] as usize, None)?;
            let n = write_from(k, task, out.fd, &data, out_at)?;
            if let Some(at) = out_at {
                out.store(task, at + n as u64)?;
            }
            ok(n)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}
