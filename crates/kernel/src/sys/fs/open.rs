//! Opening and closing: `open`/`openat`/`creat`, `close`, `dup*`,
//! `pipe`/`pipe2`, and `fcntl`.

use std::cell::RefCell;
use std::rc::Rc;

use super::{base, file, mem, ok, path_arg, tick, who};
use crate::abi::errno::Errno;
use crate::abi::fcntl::*;
use crate::sys::{SysError, SysResult};
use crate::uaccess;
use crate::vfs::lock::{LockGuard, Owner, Record, TO_EOF};
use crate::vfs::special::Special;
use crate::vfs::{Device, FileKind, FileRef, OpenFile, Pipe, SpecialFile};
use crate::{Kernel, Task};

fn open_at(
    k: &mut Kernel,
    task: &mut Task,
    dirfd: u32,
    path_addr: u32,
    flags: u32,
    mode: u32,
) -> SysResult {
    let path = path_arg(task, path_addr)?;
    if flags & O_TMPFILE != 0 {
        // Anonymous temporary files are not implemented; callers fall back.
        return Err(Errno::EOPNOTSUPP.into());
    }
    let start = base(k, task, dirfd, &path)?;
    super::access::may_open(k, task, start, &path, flags)?;
    let ctx = task.fs.borrow().clone();
    let mut f = tick(k).open(&ctx, start, &path, flags, mode, who(task))?;
    let device = match f.kind {
        FileKind::Device(d) => Some(d),
        _ => None,
    };
    if let Some(Device::Fd(n)) = device {
        let f = file(task, n).map_err(|_| Errno::ENOENT)?;
        let fd = task.files.borrow_mut().insert(f, flags & O_CLOEXEC != 0)?;
        return ok(fd as usize);
    }
    // Pseudo-terminal ends keep their `/dev` node (for `fstat`, `ttyname`).
    let end = match device {
        Some(d) => pty_end(k, task, d, flags)?,
        None => None,
    };
    if let Some(end) = end {
        f.kind = FileKind::Special(Special::new(end));
    }
    let f = Rc::new(RefCell::new(f));
    let fd = task.files.borrow_mut().insert(f, flags & O_CLOEXEC != 0)?;
    ok(fd as usize)
}

/// Implements memfd_create(2): an anonymous regular file, created in the
/// `/dev/shm` tmpfs and unlinked at once, so it lives as long as its
/// descriptors and mappings; `/proc/<pid>/fd` shows `/memfd:NAME (deleted)`
/// as on Linux. Sealing is accepted but seals are not kept (`F_ADD_SEALS`
/// fails).
pub(super) fn memfd_create(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    const MFD_CLOEXEC: u32 = 1;
    const MFD_ALLOW_SEALING: u32 = 2;
    /// Longest name: 255 less the `memfd:` prefix Linux adds.
    const MFD_NAME_MAX: usize = 249;
    let name = path_arg(task, a[0])?;
    if a[1] & !(MFD_CLOEXEC | MFD_ALLOW_SEALING) != 0 || name.len() > MFD_NAME_MAX {
        return Err(Errno::EINVAL.into());
    }
    let root = k.vfs.root_loc();
    let path = format!("/dev/shm/.memfd.{}", k.vfs.next_pipe_id()).into_bytes();
    let ctx = k.vfs.root_context();
    let flags = O_RDWR | O_CREAT | O_EXCL;
    let mut f = tick(k).open(&ctx, root, &path, flags, 0o777, who(task))?;
    k.vfs.remove(root, &path, false)?;
    if let Some(n) = f.node.as_mut() {
        let shown = [&b"/memfd:"[..], &name, b" (deleted)"].concat();
        n.origin = Some((root, shown));
    }
    let f = Rc::new(RefCell::new(f));
    let fd = task.files.borrow_mut().insert(f, a[1] & MFD_CLOEXEC != 0)?;
    ok(fd as usize)
}

/// The pseudo-terminal end that opening `device` makes, if it is one:
/// `/dev/ptmx` makes a new pair; a slave opened without `O_NOCTTY` by a
/// session leader without a terminal becomes its controlling terminal.
fn pty_end(
    k: &mut Kernel,
    task: &Task,
    device: Device,
    flags: u32,
) -> Result<Option<Box<dyn SpecialFile>>, Errno> {
    Ok(match device {
        Device::Ptmx => Some(Box::new(k.ptys.open_master())),
        Device::Pts(n) => {
            let slave = k.ptys.open_slave(n)?;
            let has_tty = k.vfs.console.session == task.sid || k.ptys.controls(task.sid);
            if flags & O_NOCTTY == 0 && task.pid == task.sid && !has_tty {
                let mut p = slave.pty.borrow_mut();
                if p.session == 0 {
                    (p.session, p.foreground) = (task.sid, task.pgid);
                }
            }
            Some(Box::new(slave))
        }
        _ => None,
    })
}

/// implements open(2)
pub(super) fn open(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    open_at(k, task, AT_FDCWD, a[0], a[1], a[2])
}

/// implements openat(2)
pub(super) fn openat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    open_at(k, task, a[0], a[1], a[2], a[3])
}

/// implements creat(2)
pub(super) fn creat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    open_at(k, task, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1])
}

/// What closing one descriptor of `f` does besides dropping it: the
/// process's record locks on the file go (POSIX semantics).
fn closing(k: &Kernel, task: &Task, f: &FileRef) {
    if let Some(n) = &f.borrow().node {
        k.locks
            .borrow_mut()
            .release(n.loc, Owner::Process(task.pid));
    }
}

/// implements close(2)
pub(super) fn close(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let f = task.files.borrow_mut().remove(a[0])?;
    closing(k, task, &f);
    drop(f);
    Ok(0)
}

/// implements dup(2)
pub(super) fn dup(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let f = file(task, a[0])?;
    ok(task.files.borrow_mut().insert(f, false)? as usize)
}

fn dup_to(k: &Kernel, task: &mut Task, old: u32, new: u32, cloexec: bool) -> SysResult {
    let f = file(task, old)?;
    let replaced = task.files.borrow_mut().install_at(new, f, cloexec)?;
    // The replaced description closes after the table is updated.
    if let Some(r) = replaced {
        closing(k, task, &r);
    }
    ok(new as usize)
}

/// implements dup2(2)
pub(super) fn dup2(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    if a[0] == a[1] {
        file(task, a[0])?;
        return ok(a[1] as usize);
    }
    dup_to(k, task, a[0], a[1], false)
}

/// implements dup3(2)
pub(super) fn dup3(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    if a[0] == a[1] || a[2] & !O_CLOEXEC != 0 {
        return Err(Errno::EINVAL.into());
    }
    dup_to(k, task, a[0], a[1], a[2] & O_CLOEXEC != 0)
}

/// `close_range` flags.
const CLOSE_RANGE_UNSHARE: u32 = 2;
const CLOSE_RANGE_CLOEXEC: u32 = 4;

/// implements close_range(2)
pub(super) fn close_range(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let (first, last, flags) = (a[0], a[1], a[2]);
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL.into());
    }
    if flags & CLOSE_RANGE_UNSHARE != 0 {
        let own = task.files.borrow().clone();
        task.files = Rc::new(RefCell::new(own));
    }
    let fds: Vec<u32> = task
        .files
        .borrow()
        .fds()
        .filter(|fd| (first..=last).contains(fd))
        .collect();
    let mut files = task.files.borrow_mut();
    let mut closed = Vec::new();
    for fd in fds {
        if flags & CLOSE_RANGE_CLOEXEC != 0 {
            files.set_cloexec(fd, true)?;
        } else {
            closed.push(files.remove(fd)?);
        }
    }
    // Descriptions close once the table is consistent again.
    drop(files);
    for f in &closed {
        closing(k, task, f);
    }
    drop(closed);
    Ok(0)
}

fn make_pipe(k: &mut Kernel, task: &mut Task, addr: u32, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let (r, w) = Pipe::pair(k.vfs.next_pipe_id());
    let status = flags & O_NONBLOCK;
    let cloexec = flags & O_CLOEXEC != 0;
    let mut files = task.files.borrow_mut();
    let rfd = files.insert(
        Rc::new(RefCell::new(OpenFile::new(
            FileKind::Pipe(r),
            O_RDONLY | status,
        ))),
        cloexec,
    )?;
    let wfd = match files.insert(
        Rc::new(RefCell::new(OpenFile::new(
            FileKind::Pipe(w),
            O_WRONLY | status,
        ))),
        cloexec,
    ) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = files.remove(rfd);
            return Err(e.into());
        }
    };
    drop(files);
    let mut pair = [0u8; 8];
    pair[..4].copy_from_slice(&rfd.to_le_bytes());
    pair[4..].copy_from_slice(&wfd.to_le_bytes());
    if let Err(e) = uaccess::write_bytes(&mut mem(task).space, addr, &pair) {
        let mut files = task.files.borrow_mut();
        let _ = files.remove(rfd);
        let _ = files.remove(wfd);
        return Err(e.into());
    }
    Ok(0)
}

/// implements pipe(2)
pub(super) fn pipe(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    make_pipe(k, task, a[0], 0)
}

/// implements pipe2(2)
pub(super) fn pipe2(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    make_pipe(k, task, a[0], a[1])
}

/// implements fcntl(2) and fcntl64(2)
pub(super) fn fcntl(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let (fd, cmd, arg) = (a[0], a[1], a[2]);
    let f = file(task, fd)?;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            ok(task
                .files
                .borrow_mut()
                .insert_from(arg, f, cmd == F_DUPFD_CLOEXEC)? as usize)
        }
        F_GETFD => ok(usize::from(task.files.borrow().cloexec(fd)?)),
        F_SETFD => {
            task.files
                .borrow_mut()
                .set_cloexec(fd, arg & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(f.borrow().flags),
        F_SETFL => {
            let mut f = f.borrow_mut();
            f.flags = (f.flags & !SETFL_MASK) | (arg & SETFL_MASK);
            Ok(0)
        }
        F_GETLK | F_SETLK | F_SETLKW | F_GETLK64 | F_SETLK64 | F_SETLKW64 | F_OFD_GETLK
        | F_OFD_SETLK | F_OFD_SETLKW => record_lock(k, task, &f, cmd, arg),
        F_SETOWN => Ok(0),
        F_GETOWN => Ok(0),
        F_GETPIPE_SZ | F_SETPIPE_SZ => match &f.borrow().kind {
            FileKind::Pipe(p) if cmd == F_GETPIPE_SZ => ok(p.capacity()),
            FileKind::Pipe(p) => ok(p.set_capacity(arg as usize)?),
            _ => Err(Errno::EBADF.into()),
        },
        _ => {
            k.log_once_in(
                "fcntl",
                cmd,
                &format!("fcntl: unsupported command {cmd} (pid {})", task.pid),
            );
            Err(Errno::EINVAL.into())
        }
    }
}

/// A `struct flock` (or `flock64`) as the guest passed it.
struct FlockArg {
    ty: u16,
    whence: u16,
    start: i64,
    len: i64,
    pid: u32,
}

/// `flock64` puts its 64-bit fields at offsets 4 and 12 (i386 alignment);
/// `flock` has 32-bit ones at 4 and 8; the pid follows.
fn read_flock(task: &Task, at: u32, wide: bool) -> Result<FlockArg, Errno> {
    let b = uaccess::read_bytes(&mut mem(task).space, at, if wide { 24 } else { 16 })?;
    let h = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let w = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let (start, len, pid) = if wide {
        let q = |i: usize| i64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        (q(4), q(12), w(20))
    } else {
        (i64::from(w(4) as i32), i64::from(w(8) as i32), w(12))
    };
    Ok(FlockArg {
        ty: h(0),
        whence: h(2),
        start,
        len,
        pid,
    })
}

fn write_flock(task: &Task, at: u32, wide: bool, l: &Record) -> Result<(), Errno> {
    let ty = if l.write { F_WRLCK } else { F_RDLCK };
    let len = if l.end == TO_EOF { 0 } else { l.end - l.start };
    let mut b = Vec::with_capacity(24);
    b.extend_from_slice(&ty.to_le_bytes());
    b.extend_from_slice(&(SEEK_SET as u16).to_le_bytes());
    if wide {
        b.extend_from_slice(&l.start.to_le_bytes());
        b.extend_from_slice(&len.to_le_bytes());
    } else {
        if l.start > i32::MAX as u64 || len > i32::MAX as u64 {
            return Err(Errno::EOVERFLOW);
        }
        b.extend_from_slice(&(l.start as u32).to_le_bytes());
        b.extend_from_slice(&(len as u32).to_le_bytes());
    }
    let pid = match l.owner {
        Owner::Process(pid) => pid,
        Owner::Description(_) => u32::MAX,
    };
    b.extend_from_slice(&pid.to_le_bytes());
    uaccess::write_bytes(&mut mem(task).space, at, &b)
}

/// Record locks: POSIX ones (`F_GETLK`, `F_SETLK`, `F_SETLKW` and their
/// `64` forms), owned by the process, and open file description ones
/// (`F_OFD_*`, always `flock64`), owned by the description. A file without
/// a node (a pipe, a socket) has nothing another process could lock
/// through a path, so its locks always succeed.
fn record_lock(k: &mut Kernel, task: &mut Task, f: &FileRef, cmd: u32, arg: u32) -> SysResult {
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    let wide = ofd || matches!(cmd, F_GETLK64 | F_SETLK64 | F_SETLKW64);
    let getlk = matches!(cmd, F_GETLK | F_GETLK64 | F_OFD_GETLK);
    let wait = matches!(cmd, F_SETLKW | F_SETLKW64 | F_OFD_SETLKW);
    let l = read_flock(task, arg, wide)?;
    if ofd && l.pid != 0 {
        return Err(Errno::EINVAL.into());
    }
    let mut file = f.borrow_mut();
    let base = match u32::from(l.whence) {
        SEEK_SET => 0,
        SEEK_CUR => file.offset as i64,
        SEEK_END => file.stat()?.size as i64,
        _ => return Err(Errno::EINVAL.into()),
    };
    let from = base.checked_add(l.start).ok_or(Errno::EOVERFLOW)?;
    let (start, end) = match l.len {
        0 => (from, None),
        n if n > 0 => (from, Some(from.checked_add(n).ok_or(Errno::EOVERFLOW)?)),
        n => (from + n, Some(from)),
    };
    if start < 0 {
        return Err(Errno::EINVAL.into());
    }
    let (start, end) = (start as u64, end.map_or(TO_EOF, |e| e as u64));
    let kind = match l.ty {
        F_RDLCK => Some(false),
        F_WRLCK => Some(true),
        F_UNLCK => None,
        _ => return Err(Errno::EINVAL.into()),
    };
    let Some(loc) = file.node.as_ref().map(|n| n.loc) else {
        if getlk {
            uaccess::write_bytes(&mut mem(task).space, arg, &F_UNLCK.to_le_bytes())?;
        }
        return Ok(0);
    };
    let owner = if ofd {
        Owner::Description(Rc::as_ptr(f) as usize)
    } else {
        Owner::Process(task.pid)
    };
    let mut locks = k.locks.borrow_mut();
    locks.forget_dead(|p| p == task.pid || k.tasks.values().any(|t| t.pid == p));
    if getlk {
        let write = kind.ok_or(Errno::EINVAL)?;
        match locks.conflict(loc, owner, write, start, end) {
            Some(r) => write_flock(task, arg, wide, &r)?,
            None => uaccess::write_bytes(&mut mem(task).space, arg, &F_UNLCK.to_le_bytes())?,
        }
        return Ok(0);
    }
    match kind {
        Some(false) if !file.readable() => return Err(Errno::EBADF.into()),
        Some(true) if !file.writable() => return Err(Errno::EBADF.into()),
        _ => {}
    }
    match locks.set(loc, owner, kind, start, end) {
        Ok(()) => {
            if let Owner::Description(id) = owner {
                file.locks.get_or_insert_with(|| LockGuard {
                    locks: k.locks.clone(),
                    loc,
                    owner: id,
                });
            }
            Ok(0)
        }
        Err(_) if wait => Err(SysError::Block { until: None }),
        Err(_) => Err(Errno::EAGAIN.into()),
    }
}

/// implements flock(2): whole-file locks owned by the open file description
pub(super) fn flock(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let f = file(task, a[0])?;
    let (op, nonblock) = (a[1] & !LOCK_NB, a[1] & LOCK_NB != 0);
    if op & LOCK_MAND != 0 {
        // Mandatory locks are gone from Linux; it accepts and ignores them.
        return Ok(0);
    }
    let exclusive = match op {
        LOCK_SH => false,
        LOCK_EX => true,
        LOCK_UN => {
            if let Some(n) = &f.borrow().node {
                k.locks.borrow_mut().unflock(n.loc, Rc::as_ptr(&f) as usize);
            }
            return Ok(0);
        }
        _ => return Err(Errno::EINVAL.into()),
    };
    let mut file = f.borrow_mut();
    if file.flags & O_PATH != 0 {
        return Err(Errno::EBADF.into());
    }
    let Some(loc) = file.node.as_ref().map(|n| n.loc) else {
        return Ok(0);
    };
    let owner = Rc::as_ptr(&f) as usize;
    // A failed conversion loses the old lock, as on Linux.
    let taken = k.locks.borrow_mut().flock(loc, owner, exclusive);
    match taken {
        Ok(()) => {
            file.locks.get_or_insert_with(|| LockGuard {
                locks: k.locks.clone(),
                loc,
                owner,
            });
            Ok(0)
        }
        Err(_) if nonblock => Err(Errno::EAGAIN.into()),
        Err(_) => Err(SysError::Block { until: None }),
    }
}
