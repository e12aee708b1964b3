//! Names and attributes: creating, removing, renaming and linking names,
//! `chmod`/`chown`/`truncate`/`utimes`, the working directory and `umask`.

use super::access::{may_add, may_enter, may_remove, must_own};
use super::{base, file, mem, node_of, ok, path_arg, path_or_empty, tick, who};
use crate::abi::errno::Errno;
use crate::abi::fcntl::*;
use crate::abi::stat::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK};
use crate::sys::SysResult;
use crate::uaccess;
use crate::vfs::{FileType, Loc, SetAttr, Timespec, DEVICE_WAIT};
use crate::{Kernel, Task};

fn mkdir_at(k: &mut Kernel, task: &mut Task, dirfd: u32, addr: u32, mode: u32) -> SysResult {
    let path = path_arg(task, addr)?;
    let start = base(k, task, dirfd, &path)?;
    may_add(k, task, start, &path)?;
    let ctx = task.fs.borrow().clone();
    tick(k).make_node(&ctx, start, &path, FileType::Directory, mode, who(task))?;
    Ok(0)
}

/// implements mkdir(2)
pub(super) fn mkdir(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    mkdir_at(k, task, AT_FDCWD, a[0], a[1])
}

/// implements mkdirat(2)
pub(super) fn mkdirat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    mkdir_at(k, task, a[0], a[1], a[2])
}

/// Regular files and fifos; device nodes need privileges we do not grant.
fn mknod_at(k: &mut Kernel, task: &mut Task, dirfd: u32, addr: u32, mode: u32) -> SysResult {
    let kind = match mode & S_IFMT {
        0 | S_IFREG => FileType::Regular,
        S_IFIFO => FileType::Fifo,
        S_IFCHR | S_IFBLK | S_IFSOCK => return Err(Errno::EPERM.into()),
        S_IFDIR => return Err(Errno::EPERM.into()),
        _ => return Err(Errno::EINVAL.into()),
    };
    let path = path_arg(task, addr)?;
    let start = base(k, task, dirfd, &path)?;
    may_add(k, task, start, &path)?;
    let ctx = task.fs.borrow().clone();
    tick(k).make_node(&ctx, start, &path, kind, mode, who(task))?;
    Ok(0)
}

/// implements mknod(2)
pub(super) fn mknod(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    mknod_at(k, task, AT_FDCWD, a[0], a[1])
}

/// implements mknodat(2)
pub(super) fn mknodat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    mknod_at(k, task, a[0], a[1], a[2])
}

fn remove_at(k: &mut Kernel, task: &mut Task, dirfd: u32, addr: u32, dir: bool) -> SysResult {
    let path = path_arg(task, addr)?;
    let start = base(k, task, dirfd, &path)?;
    may_remove(k, task, start, &path)?;
    tick(k).remove(start, &path, dir)?;
    Ok(0)
}

/// implements unlink(2)
pub(super) fn unlink(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    remove_at(k, task, AT_FDCWD, a[0], false)
}

/// implements rmdir(2)
pub(super) fn rmdir(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    remove_at(k, task, AT_FDCWD, a[0], true)
}

/// implements unlinkat(2)
pub(super) fn unlinkat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    if a[2] & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL.into());
    }
    remove_at(k, task, a[0], a[1], a[2] & AT_REMOVEDIR != 0)
}

fn rename_at(k: &mut Kernel, task: &mut Task, a: [u32; 4], flags: u32) -> SysResult {
    if flags & !RENAME_NOREPLACE != 0 {
        // RENAME_EXCHANGE and RENAME_WHITEOUT are not implemented.
        return Err(Errno::EINVAL.into());
    }
    let from = path_arg(task, a[1])?;
    let to = path_arg(task, a[3])?;
    let (fs, ts) = (base(k, task, a[0], &from)?, base(k, task, a[2], &to)?);
    may_remove(k, task, fs, &from)?;
    may_remove(k, task, ts, &to)?;
    tick(k).rename(fs, &from, ts, &to, flags & RENAME_NOREPLACE != 0)?;
    Ok(0)
}

/// implements rename(2)
pub(super) fn rename(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    rename_at(k, task, [AT_FDCWD, a[0], AT_FDCWD, a[1]], 0)
}

/// implements renameat(2)
pub(super) fn renameat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    rename_at(k, task, [a[0], a[1], a[2], a[3]], 0)
}

/// implements renameat2(2)
pub(super) fn renameat2(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    rename_at(k, task, [a[0], a[1], a[2], a[3]], a[4])
}

fn link_at(k: &mut Kernel, task: &mut Task, a: [u32; 4], flags: u32) -> SysResult {
    if flags & !AT_SYMLINK_FOLLOW != 0 {
        return Err(Errno::EINVAL.into());
    }
    let old = path_arg(task, a[1])?;
    let new = path_arg(task, a[3])?;
    let (os, ns) = (base(k, task, a[0], &old)?, base(k, task, a[2], &new)?);
    may_add(k, task, ns, &new)?;
    tick(k).link(os, &old, flags & AT_SYMLINK_FOLLOW != 0, ns, &new)?;
    Ok(0)
}

/// implements link(2)
pub(super) fn link(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    link_at(k, task, [AT_FDCWD, a[0], AT_FDCWD, a[1]], 0)
}

/// implements linkat(2)
pub(super) fn linkat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    link_at(k, task, [a[0], a[1], a[2], a[3]], a[4])
}

fn symlink_at(k: &mut Kernel, task: &mut Task, target: u32, dirfd: u32, addr: u32) -> SysResult {
    let target = path_arg(task, target)?;
    let path = path_arg(task, addr)?;
    let start = base(k, task, dirfd, &path)?;
    may_add(k, task, start, &path)?;
    tick(k).symlink(start, &target, &path, who(task))?;
    Ok(0)
}

/// implements symlink(2)
pub(super) fn symlink(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    symlink_at(k, task, a[0], AT_FDCWD, a[1])
}

/// implements symlinkat(2)
pub(super) fn symlinkat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    symlink_at(k, task, a[0], a[1], a[2])
}

/// The node named by `addr` from `dirfd` (or `dirfd` itself with an empty
/// path and `AT_EMPTY_PATH`, or a null path for `utimensat`).
pub(super) fn target(
    k: &Kernel,
    task: &Task,
    dirfd: u32,
    addr: u32,
    flags: u32,
) -> Result<Loc, Errno> {
    let path = if addr == 0 {
        Vec::new()
    } else {
        path_or_empty(task, addr)?
    };
    if path.is_empty() {
        if addr != 0 && flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        return if dirfd == AT_FDCWD {
            Ok(k.vfs.cwd(&task.fs.borrow()))
        } else {
            node_of(task, dirfd)
        };
    }
    let start = base(k, task, dirfd, &path)?;
    k.vfs
        .resolve(start, &path, flags & AT_SYMLINK_NOFOLLOW == 0)
}

fn set(k: &mut Kernel, loc: Loc, attr: SetAttr) -> SysResult {
    tick(k).set_attr(loc, attr)?;
    Ok(0)
}

/// A mode change, by the owner or root.
fn set_mode(k: &mut Kernel, task: &Task, loc: Loc, mode: u32) -> SysResult {
    must_own(k, task, loc)?;
    set(k, loc, chmod_attr(mode))
}

fn chmod_attr(mode: u32) -> SetAttr {
    SetAttr {
        mode: Some(mode & 0o7777),
        ..SetAttr::default()
    }
}

/// implements chmod(2)
pub(super) fn chmod(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let loc = target(k, task, AT_FDCWD, a[0], 0)?;
    set_mode(k, task, loc, a[1])
}

/// implements fchmod(2)
pub(super) fn fchmod(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let loc = node_of(task, a[0])?;
    set_mode(k, task, loc, a[1])
}

/// implements fchmodat(2) (no flags argument in this system call)
pub(super) fn fchmodat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let loc = target(k, task, a[0], a[1], 0)?;
    set_mode(k, task, loc, a[2])
}

/// Owner change of `loc`; -1 leaves a field alone. Only root may give
/// files away; an owner may only move a file to one of its groups.
fn chown_attr(k: &Kernel, task: &Task, loc: Loc, uid: u32, gid: u32) -> Result<SetAttr, Errno> {
    let keep = |v: u32| (v != u32::MAX).then_some(v);
    let attr = SetAttr {
        uid: keep(uid),
        gid: keep(gid),
        ..SetAttr::default()
    };
    let c = &task.creds;
    if !c.privileged() {
        let st = k.vfs.stat_loc(loc)?;
        let owner = c.user.fs == st.uid;
        if attr.uid.is_some_and(|u| !owner || u != st.uid)
            || attr
                .gid
                .is_some_and(|g| !owner || (g != st.gid && !c.in_group(g)))
        {
            return Err(Errno::EPERM);
        }
    }
    Ok(attr)
}

fn chown_at(
    k: &mut Kernel,
    task: &mut Task,
    dirfd: u32,
    addr: u32,
    uid: u32,
    gid: u32,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let loc = target(k, task, dirfd, addr, flags)?;
    let attr = chown_attr(k, task, loc, uid, gid)?;
    set(k, loc, attr)
}

/// implements chown32(2)
pub(super) fn chown32(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    chown_at(k, task, AT_FDCWD, a[0], a[1], a[2], 0)
}

/// implements lchown32(2)
pub(super) fn lchown32(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    chown_at(k, task, AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW)
}

/// implements fchownat(2)
pub(super) fn fchownat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    chown_at(k, task, a[0], a[1], a[2], a[3], a[4])
}

/// implements fchown32(2)
pub(super) fn fchown32(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let loc = node_of(task, a[0])?;
    let attr = chown_attr(k, task, loc, a[1], a[2])?;
    set(k, loc, attr)
}

fn truncate_path(k: &mut Kernel, task: &mut Task, addr: u32, size: i64) -> SysResult {
    let size = u64::try_from(size).map_err(|_| Errno::EINVAL)?;
    let loc = target(k, task, AT_FDCWD, addr, 0)?;
    tick(k).truncate(loc, size)?;
    Ok(0)
}

fn truncate_fd(k: &mut Kernel, task: &mut Task, fd: u32, size: i64) -> SysResult {
    let size = u64::try_from(size).map_err(|_| Errno::EINVAL)?;
    let f = file(task, fd)?;
    let (flags, node) = {
        let f = f.borrow();
        (f.flags, f.node.as_ref().map(|n| n.loc))
    };
    match node {
        Some(loc) if flags & O_ACCMODE != O_RDONLY && flags & O_PATH == 0 => {
            tick(k).truncate(loc, size)?;
            Ok(0)
        }
        Some(_) if flags & O_PATH != 0 => Err(Errno::EBADF.into()),
        _ => Err(Errno::EINVAL.into()),
    }
}

fn off64(lo: u32, hi: u32) -> i64 {
    ((u64::from(hi) << 32) | u64::from(lo)) as i64
}

/// implements truncate(2)
pub(super) fn truncate(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    truncate_path(k, task, a[0], i64::from(a[1] as i32))
}

/// implements ftruncate(2)
pub(super) fn ftruncate(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    truncate_fd(k, task, a[0], i64::from(a[1] as i32))
}

/// implements truncate64(2): length in ecx:edx (low, high)
pub(super) fn truncate64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    truncate_path(k, task, a[0], off64(a[1], a[2]))
}

/// implements ftruncate64(2)
pub(super) fn ftruncate64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    truncate_fd(k, task, a[0], off64(a[1], a[2]))
}

/// Decodes a two-element time array for `utimensat`/`utimes`: `wide` is
/// 64-bit seconds and nanoseconds (`__kernel_timespec`), `micro` means
/// `timeval` microseconds. A null pointer means "now" for both.
fn times(
    k: &Kernel,
    task: &Task,
    addr: u32,
    wide: bool,
    micro: bool,
) -> Result<(Option<Timespec>, Option<Timespec>), Errno> {
    let now = Timespec::from_ns(k.now.realtime_ns);
    if addr == 0 {
        return Ok((Some(now), Some(now)));
    }
    let size = if wide { 16 } else { 8 };
    let raw = uaccess::read_bytes(&mut mem(task).space, addr, size * 2)?;
    let field = |at: usize| -> i64 {
        if wide {
            i64::from_le_bytes(raw[at..at + 8].try_into().unwrap_or_default())
        } else {
            i64::from(i32::from_le_bytes(
                raw[at..at + 4].try_into().unwrap_or_default(),
            ))
        }
    };
    let half = size / 2;
    let one = |i: usize| -> Result<Option<Timespec>, Errno> {
        let (sec, frac) = (field(i * size), field(i * size + half));
        let nsec = if micro {
            frac.checked_mul(1000).ok_or(Errno::EINVAL)?
        } else {
            frac
        };
        match u32::try_from(nsec) {
            Ok(UTIME_NOW) if !micro => Ok(Some(now)),
            Ok(UTIME_OMIT) if !micro => Ok(None),
            Ok(n) if n < 1_000_000_000 => Ok(Some(Timespec { sec, nsec: n })),
            _ => Err(Errno::EINVAL),
        }
    };
    Ok((one(0)?, one(1)?))
}

fn utimens(k: &mut Kernel, task: &mut Task, a: [u32; 6], wide: bool) -> SysResult {
    let (dirfd, addr, tp, flags) = (a[0], a[1], a[2], a[3]);
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let (atime, mtime) = times(k, task, tp, wide, false)?;
    let loc = target(k, task, dirfd, addr, flags)?;
    set(
        k,
        loc,
        SetAttr {
            atime,
            mtime,
            ..SetAttr::default()
        },
    )
}

/// implements utimensat(2) with 32-bit `timespec`s
pub(super) fn utimensat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    utimens(k, task, a, false)
}

/// implements utimensat_time64(2)
pub(super) fn utimensat_time64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    utimens(k, task, a, true)
}

fn utimes_at(k: &mut Kernel, task: &mut Task, dirfd: u32, addr: u32, tv: u32) -> SysResult {
    let (atime, mtime) = times(k, task, tv, false, true)?;
    let path = path_arg(task, addr)?;
    let start = base(k, task, dirfd, &path)?;
    let loc = k.vfs.resolve(start, &path, true)?;
    set(
        k,
        loc,
        SetAttr {
            atime,
            mtime,
            ..SetAttr::default()
        },
    )
}

/// implements utimes(2)
pub(super) fn utimes(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    utimes_at(k, task, AT_FDCWD, a[0], a[1])
}

/// implements futimesat(2)
pub(super) fn futimesat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    utimes_at(k, task, a[0], a[1], a[2])
}

fn enter(k: &Kernel, task: &Task, loc: Loc) -> SysResult {
    if !k.vfs.stat_loc(loc)?.is_dir() {
        return Err(Errno::ENOTDIR.into());
    }
    may_enter(k, task, loc)?;
    task.fs.borrow_mut().cwd = Some(loc);
    Ok(0)
}

/// implements chdir(2)
pub(super) fn chdir(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let path = path_arg(task, a[0])?;
    let start = base(k, task, AT_FDCWD, &path)?;
    let loc = k.vfs.resolve(start, &path, true)?;
    enter(k, task, loc)
}

/// implements fchdir(2)
pub(super) fn fchdir(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    // A bad descriptor is EBADF; one without a node (a pipe) ENOTDIR.
    let loc = node_of(task, a[0]).map_err(|e| match e {
        Errno::EBADF => e,
        _ => Errno::ENOTDIR,
    })?;
    enter(k, task, loc)
}

/// implements getcwd(2): returns the length including the NUL
pub(super) fn getcwd(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let cwd = k.vfs.cwd(&task.fs.borrow());
    let mut path = k.vfs.path_of(cwd)?;
    path.push(0);
    if path.len() > a[1] as usize {
        return Err(Errno::ERANGE.into());
    }
    uaccess::write_bytes(&mut mem(task).space, a[0], &path)?;
    ok(path.len())
}

/// implements umask(2)
pub(super) fn umask(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let mut fs = task.fs.borrow_mut();
    let old = fs.umask;
    fs.umask = a[0] & 0o777;
    Ok(old)
}

/// implements fsync(2), fdatasync(2), syncfs(2) and sync_file_range(2):
/// the file system of the descriptor's node writes back all it holds (more
/// than asked, which is allowed) before the call returns; a device that has
/// to wait parks the task and the call runs again. Other files hold nothing.
pub(super) fn fsync(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let fs = file(task, a[0])?
        .borrow()
        .node
        .as_ref()
        .map(|n| n.fs.clone());
    if let Some(fs) = fs {
        fs.borrow_mut().sync()?;
    }
    Ok(0)
}

/// implements fadvise64(2) and fadvise64_64(2): advice is ignored
pub(super) fn fadvise(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    file(task, a[0])?;
    Ok(0)
}

/// implements sync(2): every mounted file system writes back. Failures go
/// unreported (sync(2) cannot report any), but a device that has to wait
/// parks the task and the call runs again.
pub(super) fn sync(k: &mut Kernel, _task: &mut Task, _a: [u32; 6]) -> SysResult {
    for m in &k.vfs.mounts {
        if let Err(DEVICE_WAIT) = m.fs.borrow_mut().sync() {
            return Err(DEVICE_WAIT.into());
        }
    }
    Ok(0)
}

/// implements fallocate(2): not supported, so `posix_fallocate` writes
/// zeros itself
pub(super) fn fallocate(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    file(task, a[0])?;
    Err(Errno::EOPNOTSUPP.into())
}
