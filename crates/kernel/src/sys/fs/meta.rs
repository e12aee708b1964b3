//! Metadata and directories: the `stat` family, `statx`, `access`,
//! `getdents`, `readlink`, `statfs`.

use super::{base, file, mem, ok, path_arg, path_or_empty};
use crate::abi::errno::Errno;
use crate::abi::fcntl::*;
use crate::abi::stat::{self as st, decode_dev, encode_dev, Emit};
use crate::sys::SysResult;
use crate::task::{Creds, Ids};
use crate::uaccess;
use crate::vfs::{FileKind, FileType, OpenFile, Stat, StatFs};
use crate::{Kernel, Task};

/// `struct stat64`.
fn stat64_bytes(s: &Stat) -> [u8; st::STAT64_SIZE] {
    use st::stat64::*;
    let mut e = Emit::<{ st::STAT64_SIZE }>::new();
    e.u64(DEV, s.dev)
        .u32(INO32, s.ino as u32)
        .u32(MODE, s.mode)
        .u32(NLINK, s.nlink);
    e.u32(UID, s.uid)
        .u32(GID, s.gid)
        .u64(RDEV, encode_dev(s.rdev.0, s.rdev.1));
    e.u64(SIZE, s.size)
        .u32(BLKSIZE, s.blksize)
        .u64(BLOCKS, s.blocks)
        .u64(INO, s.ino);
    for (at, t) in [(ATIME, s.atime), (MTIME, s.mtime), (CTIME, s.ctime)] {
        e.u32(at, t.sec as u32).u32(at + 4, t.nsec);
    }
    e.0
}

/// `struct statx` with the basic fields.
fn statx_bytes(s: &Stat) -> [u8; st::STATX_SIZE] {
    use st::statx::*;
    let mut e = Emit::<{ st::STATX_SIZE }>::new();
    let (dev_major, dev_minor) = decode_dev(s.dev);
    e.u32(MASK, st::STATX_BASIC_STATS)
        .u32(BLKSIZE, s.blksize)
        .u32(NLINK, s.nlink);
    e.u32(UID, s.uid)
        .u32(GID, s.gid)
        .u16(MODE, s.mode as u16)
        .u64(INO, s.ino);
    e.u64(SIZE, s.size).u64(BLOCKS, s.blocks);
    e.u32(RDEV_MAJOR, s.rdev.0)
        .u32(RDEV_MINOR, s.rdev.1)
        .u32(DEV_MAJOR, dev_major)
        .u32(DEV_MINOR, dev_minor);
    for (at, t) in [(ATIME, s.atime), (MTIME, s.mtime), (CTIME, s.ctime)] {
        e.u64(at, t.sec as u64).u32(at + 8, t.nsec);
    }
    e.0
}

/// `stat` of `path` relative to `dirfd`, or of `dirfd` itself for an empty
/// path with `AT_EMPTY_PATH`.
fn stat_at(k: &Kernel, task: &Task, dirfd: u32, addr: u32, flags: u32) -> Result<Stat, Errno> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = path_or_empty(task, addr)?;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        if dirfd == AT_FDCWD {
            return k.vfs.stat_loc(k.vfs.cwd(&task.fs.borrow()));
        }
        return file(task, dirfd)?.borrow().stat();
    }
    let start = base(k, task, dirfd, &path)?;
    let loc = k
        .vfs
        .resolve(start, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?;
    k.vfs.stat_loc(loc)
}

fn put_stat64(task: &Task, addr: u32, s: &Stat) -> SysResult {
    uaccess::write_bytes(&mut mem(task).space, addr, &stat64_bytes(s))?;
    Ok(0)
}

/// implements stat64(2)
pub(super) fn stat64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    put_stat64(task, a[1], &stat_at(k, task, AT_FDCWD, a[0], 0)?)
}

/// implements lstat64(2)
pub(super) fn lstat64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    put_stat64(
        task,
        a[1],
        &stat_at(k, task, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW)?,
    )
}

/// implements fstat64(2)
pub(super) fn fstat64(_k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let s = file(task, a[0])?.borrow().stat()?;
    put_stat64(task, a[1], &s)
}

/// implements fstatat64(2)
pub(super) fn fstatat64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    put_stat64(task, a[2], &stat_at(k, task, a[0], a[1], a[3])?)
}

/// implements statx(2); every basic field is always returned
pub(super) fn statx(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let s = stat_at(k, task, a[0], a[1], a[2])?;
    uaccess::write_bytes(&mut mem(task).space, a[4], &statx_bytes(&s))?;
    Ok(0)
}

/// The credentials access(2) checks with: the real ids, or the effective
/// ones with `AT_EACCESS` (file access otherwise uses the fs ids).
fn access_creds(c: &Creds, effective: bool) -> Creds {
    let pick = |i: Ids| if effective { i.effective } else { i.real };
    let mut c = c.clone();
    c.user.fs = pick(c.user);
    c.group.fs = pick(c.group);
    c
}

fn access_at(k: &Kernel, task: &Task, dirfd: u32, addr: u32, mode: u32, flags: u32) -> SysResult {
    if mode & !(R_OK | W_OK | X_OK) != 0
        || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0
    {
        return Err(Errno::EINVAL.into());
    }
    let s = stat_at(
        k,
        task,
        dirfd,
        addr,
        flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH),
    )?;
    if access_creds(&task.creds, flags & AT_EACCESS != 0).permits(&s, mode) {
        Ok(0)
    } else {
        Err(Errno::EACCES.into())
    }
}

/// implements access(2)
pub(super) fn access(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    access_at(k, task, AT_FDCWD, a[0], a[1], 0)
}

/// implements faccessat(2)
pub(super) fn faccessat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    access_at(k, task, a[0], a[1], a[2], 0)
}

/// implements faccessat2(2)
pub(super) fn faccessat2(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    access_at(k, task, a[0], a[1], a[2], a[3])
}

/// Fills a `getdents` buffer of `count` bytes from the directory's
/// snapshot; the file offset is the index of the next entry.
fn dents(k: &Kernel, task: &Task, a: [u32; 6], old: bool) -> SysResult {
    let (fd, addr, count) = (a[0], a[1], a[2] as usize);
    let f = file(task, fd)?;
    // A `/proc` listing starts from fresh state (this very descriptor included).
    let fresh_proc = matches!(&*f.borrow(), OpenFile { kind: FileKind::Dir { listing: None }, node: Some(n), .. } if n.loc.mnt == k.vfs.proc_mnt);
    if fresh_proc {
        crate::vfs::procfs::refresh(k, task);
    }
    let mut f = f.borrow_mut();
    let loc = match (&f.kind, &f.node) {
        (FileKind::Dir { .. }, Some(n)) => n.loc,
        _ => return Err(Errno::ENOTDIR.into()),
    };
    let mut idx = f.offset as usize;
    let FileKind::Dir { listing } = &mut f.kind else {
        return Err(Errno::ENOTDIR.into());
    };
    if listing.is_none() {
        *listing = Some(k.vfs.listing(loc)?);
    }
    let entries = listing.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    while let Some((ino, d_type, name)) = entries.get(idx) {
        let len = if old {
            st::dirent32_len(name.len())
        } else {
            st::dirent64_len(name.len())
        };
        if out.len() + len > count {
            break;
        }
        if old {
            let ino = u32::try_from(*ino).map_err(|_| Errno::EOVERFLOW)?;
            st::push_dirent32(&mut out, ino, idx as u32 + 1, *d_type, name);
        } else {
            st::push_dirent64(&mut out, *ino, idx as u64 + 1, *d_type, name);
        }
        idx += 1;
    }
    if out.is_empty() && idx < entries.len() {
        return Err(Errno::EINVAL.into());
    }
    uaccess::write_bytes(&mut mem(task).space, addr, &out)?;
    f.offset = idx as u64;
    ok(out.len())
}

/// implements getdents(2) (old `struct linux_dirent`)
pub(super) fn getdents(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    dents(k, task, a, true)
}

/// implements getdents64(2)
pub(super) fn getdents64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    dents(k, task, a, false)
}

fn readlink_at(k: &Kernel, task: &Task, dirfd: u32, addr: u32, buf: u32, size: u32) -> SysResult {
    if size as i32 <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let path = path_arg(task, addr)?;
    let start = base(k, task, dirfd, &path)?;
    let loc = k.vfs.resolve(start, &path, false)?;
    if k.vfs.stat_loc(loc)?.file_type() != Some(FileType::Symlink) {
        return Err(Errno::EINVAL.into());
    }
    let target = k.vfs.readlink(loc)?;
    let n = target.len().min(size as usize);
    uaccess::write_bytes(&mut mem(task).space, buf, &target[..n])?;
    ok(n)
}

/// implements readlink(2)
pub(super) fn readlink(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    readlink_at(k, task, AT_FDCWD, a[0], a[1], a[2])
}

/// implements readlinkat(2)
pub(super) fn readlinkat(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    readlink_at(k, task, a[0], a[1], a[2], a[3])
}

fn statfs_path(k: &Kernel, task: &Task, addr: u32) -> Result<StatFs, Errno> {
    let path = path_arg(task, addr)?;
    let start = base(k, task, AT_FDCWD, &path)?;
    Ok(k.vfs.statfs(k.vfs.resolve(start, &path, true)?))
}

fn statfs_fd(k: &Kernel, task: &Task, fd: u32) -> Result<StatFs, Errno> {
    let f = file(task, fd)?;
    let f = f.borrow();
    Ok(match &f.node {
        Some(n) => k.vfs.statfs(n.loc),
        // pipefs
        None => StatFs {
            magic: 0x5049_5045,
            bsize: 4096,
            namelen: 255,
            ..StatFs::default()
        },
    })
}

/// `struct statfs64`.
fn put_statfs64(task: &Task, size: u32, addr: u32, s: StatFs) -> SysResult {
    use st::statfs64::*;
    if size as usize != st::STATFS64_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let mut e = Emit::<{ st::STATFS64_SIZE }>::new();
    e.u32(TYPE, s.magic)
        .u32(BSIZE, s.bsize)
        .u64(BLOCKS, s.blocks)
        .u64(BFREE, s.bfree)
        .u64(BAVAIL, s.bavail);
    e.u64(FILES, s.files)
        .u64(FFREE, s.ffree)
        .u32(NAMELEN, s.namelen)
        .u32(FRSIZE, s.bsize);
    uaccess::write_bytes(&mut mem(task).space, addr, &e.0)?;
    Ok(0)
}

/// Old `struct statfs`: eleven 32-bit words and spares (64 bytes).
fn put_statfs(task: &Task, addr: u32, s: StatFs) -> SysResult {
    let c = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    let mut e = Emit::<64>::new();
    e.u32(0, s.magic)
        .u32(4, s.bsize)
        .u32(8, c(s.blocks))
        .u32(12, c(s.bfree))
        .u32(16, c(s.bavail));
    e.u32(20, c(s.files))
        .u32(24, c(s.ffree))
        .u32(36, s.namelen)
        .u32(40, s.bsize);
    uaccess::write_bytes(&mut mem(task).space, addr, &e.0)?;
    Ok(0)
}

/// implements statfs(2)
pub(super) fn statfs(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    put_statfs(task, a[1], statfs_path(k, task, a[0])?)
}

/// implements fstatfs(2)
pub(super) fn fstatfs(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    put_statfs(task, a[1], statfs_fd(k, task, a[0])?)
}

/// implements statfs64(2)
pub(super) fn statfs64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    put_statfs64(task, a[1], a[2], statfs_path(k, task, a[0])?)
}

/// implements fstatfs64(2)
pub(super) fn fstatfs64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    put_statfs64(task, a[1], a[2], statfs_fd(k, task, a[0])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::Timespec;

    #[test]
    fn stat64_layout() {
        let s = Stat {
            dev: 0x801,
            ino: 0x1_0000_0002,
            mode: 0o100644,
            nlink: 1,
            uid: 1000,
            gid: 100,
            rdev: (0, 0),
            size: 5,
            blocks: 8,
            blksize: 4096,
            atime: Timespec { sec: 1, nsec: 2 },
            mtime: Timespec { sec: 3, nsec: 4 },
            ctime: Timespec { sec: 5, nsec: 6 },
        };
        let b = stat64_bytes(&s);
        let w = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        assert_eq!(
            (w(0), w(12), w(16), w(24), w(44), w(52), w(56)),
            (0x801, 2, 0o100644, 1000, 5, 4096, 8)
        );
        assert_eq!((w(72), w(76), w(88), w(92)), (3, 4, 2, 1));
        let x = statx_bytes(&s);
        let w = |i: usize| u32::from_le_bytes([x[i], x[i + 1], x[i + 2], x[i + 3]]);
        assert_eq!(
            (w(0), w(28) & 0xffff, w(112), w(120), w(136), w(140)),
            (0x7ff, 0o100644, 3, 4, 8, 1)
        );
    }
}
