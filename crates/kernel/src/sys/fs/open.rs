//! Opening and closing: `open`/`openat`/`creat`, `close`, `dup*`,
//! `pipe`/`pipe2`, and `fcntl`.

use std::cell::RefCell;
use std::rc::Rc;

use super::{base, file, mem, ok, path_arg, tick, who};
use crate::abi::errno::Errno;
use crate::abi::fcntl::*;
use crate::sys::SysResult;
use crate::uaccess;
use crate::vfs::{Device, FileKind, OpenFile, Pipe};
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
    let ctx = task.fs.borrow().clone();
    let f = tick(k).open(&ctx, start, &path, flags, mode, who(task))?;
    let f = match f.kind {
        FileKind::Device(Device::Fd(n)) => file(task, n).map_err(|_| Errno::ENOENT)?,
        _ => Rc::new(RefCell::new(f)),
    };
    let fd = task.files.borrow_mut().insert(f, flags & O_CLOEXEC != 0)?;
    ok(fd as usize)
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

/// implements close(2)
pub(super) fn close(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let f = task.files.borrow_mut().remove(a[0])?;
    drop(f);
    Ok(0)
}

/// implements dup(2)
pub(super) fn dup(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let f = file(task, a[0])?;
    ok(task.files.borrow_mut().insert(f, false)? as usize)
}

fn dup_to(task: &mut Task, old: u32, new: u32, cloexec: bool) -> SysResult {
    let f = file(task, old)?;
    let replaced = task.files.borrow_mut().install_at(new, f, cloexec)?;
    // The replaced description closes after the table is updated.
    drop(replaced);
    ok(new as usize)
}

/// implements dup2(2)
pub(super) fn dup2(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    if a[0] == a[1] {
        file(task, a[0])?;
        return ok(a[1] as usize);
    }
    dup_to(task, a[0], a[1], false)
}

/// implements dup3(2)
pub(super) fn dup3(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    if a[0] == a[1] || a[2] & !O_CLOEXEC != 0 {
        return Err(Errno::EINVAL.into());
    }
    dup_to(task, a[0], a[1], a[2] & O_CLOEXEC != 0)
}

/// `close_range` flags.
const CLOSE_RANGE_UNSHARE: u32 = 2;
const CLOSE_RANGE_CLOEXEC: u32 = 4;

/// implements close_range(2)
pub(super) fn close_range(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
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

/// implements fcntl(2) and fcntl64(2). Record locks always succeed: one
/// process tree shares the VM and nothing else can contend (noted for
/// multi-VM sharing later).
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
        F_GETLK | F_GETLK64 | F_OFD_GETLK => {
            // `l_type` is the first field of every flock layout.
            uaccess::write_bytes(&mut mem(task).space, arg, &F_UNLCK.to_le_bytes())?;
            Ok(0)
        }
        F_SETLK | F_SETLKW | F_SETLK64 | F_SETLKW64 | F_OFD_SETLK | F_OFD_SETLKW | F_SETOWN => {
            Ok(0)
        }
        F_GETOWN => Ok(0),
        F_GETPIPE_SZ if matches!(f.borrow().kind, FileKind::Pipe(_)) => {
            ok(crate::vfs::PIPE_CAPACITY)
        }
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
