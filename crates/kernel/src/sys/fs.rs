//! The file-domain system calls: descriptors, reads and writes, paths and
//! names, metadata, directories, pipes, polling and tty ioctls.
//!
//! Handlers are thin: decode the registers, copy guest memory with
//! `uaccess`, and call the VFS (`crate::vfs`). Grouped by aspect:
//! `fs/rw.rs` (data transfer and seeking), `fs/open.rs` (opening, closing,
//! duplicating, pipes, `fcntl`), `fs/meta.rs` (stat family, directories,
//! `readlink`, `access`), `fs/names.rs` (creating, removing and renaming
//! names, attributes, working directory), `fs/poll.rs` (`poll`, `select`),
//! `fs/xattr.rs` (extended attributes) and `fs/ioctl.rs`.

pub(super) mod access;
mod ioctl;
mod meta;
mod names;
mod open;
pub(super) mod poll;
mod rw;
mod xattr;

use std::cell::RefMut;

use super::{Handler, SysResult};
use crate::abi::errno::Errno;
use crate::abi::fcntl::AT_FDCWD;
use crate::task::Mm;
use crate::uaccess;
use crate::vfs::{procfs, FileRef, Io};
use crate::vfs::{Creator, FileKind, Loc};
use crate::{Kernel, Task};

/// The file-domain rows of the system call table: (i386 number, name, handler).
pub(crate) fn table() -> &'static [(u32, &'static str, Handler)] {
    &[
        (3, "read", rw::read),
        (4, "write", rw::write),
        (5, "open", open::open),
        (6, "close", open::close),
        (8, "creat", open::creat),
        (9, "link", names::link),
        (10, "unlink", names::unlink),
        (12, "chdir", names::chdir),
        (14, "mknod", names::mknod),
        (15, "chmod", names::chmod),
        (19, "lseek", rw::lseek),
        (33, "access", meta::access),
        (36, "sync", names::sync),
        (38, "rename", names::rename),
        (39, "mkdir", names::mkdir),
        (40, "rmdir", names::rmdir),
        (41, "dup", open::dup),
        (42, "pipe", open::pipe),
        (54, "ioctl", ioctl::ioctl),
        (55, "fcntl", open::fcntl),
        (60, "umask", names::umask),
        (63, "dup2", open::dup2),
        (83, "symlink", names::symlink),
        (85, "readlink", meta::readlink),
        (92, "truncate", names::truncate),
        (93, "ftruncate", names::ftruncate),
        (94, "fchmod", names::fchmod),
        (99, "statfs", meta::statfs),
        (100, "fstatfs", meta::fstatfs),
        (118, "fsync", names::fsync),
        (133, "fchdir", names::fchdir),
        (140, "_llseek", rw::llseek),
        (141, "getdents", meta::getdents),
        (142, "_newselect", poll::newselect),
        (143, "flock", open::flock),
        (145, "readv", rw::readv),
        (146, "writev", rw::writev),
        (148, "fdatasync", names::fsync),
        (168, "poll", poll::poll),
        (180, "pread64", rw::pread64),
        (181, "pwrite64", rw::pwrite64),
        (183, "getcwd", names::getcwd),
        (187, "sendfile", rw::sendfile),
        (193, "truncate64", names::truncate64),
        (194, "ftruncate64", names::ftruncate64),
        (195, "stat64", meta::stat64),
        (196, "lstat64", meta::lstat64),
        (197, "fstat64", meta::fstat64),
        (198, "lchown32", names::lchown32),
        (207, "fchown32", names::fchown32),
        (212, "chown32", names::chown32),
        (220, "getdents64", meta::getdents64),
        (221, "fcntl64", open::fcntl),
        (226, "setxattr", xattr::setxattr),
        (227, "lsetxattr", xattr::lsetxattr),
        (228, "fsetxattr", xattr::fsetxattr),
        (229, "getxattr", xattr::getxattr),
        (230, "lgetxattr", xattr::lgetxattr),
        (231, "fgetxattr", xattr::fgetxattr),
        (232, "listxattr", xattr::listxattr),
        (233, "llistxattr", xattr::llistxattr),
        (234, "flistxattr", xattr::flistxattr),
        (235, "removexattr", xattr::removexattr),
        (236, "lremovexattr", xattr::lremovexattr),
        (237, "fremovexattr", xattr::fremovexattr),
        (239, "sendfile64", rw::sendfile64),
        (250, "fadvise64", names::fadvise),
        (268, "statfs64", meta::statfs64),
        (269, "fstatfs64", meta::fstatfs64),
        (271, "utimes", names::utimes),
        (272, "fadvise64_64", names::fadvise),
        (295, "openat", open::openat),
        (296, "mkdirat", names::mkdirat),
        (297, "mknodat", names::mknodat),
        (298, "fchownat", names::fchownat),
        (299, "futimesat", names::futimesat),
        (300, "fstatat64", meta::fstatat64),
        (301, "unlinkat", names::unlinkat),
        (302, "renameat", names::renameat),
        (303, "linkat", names::linkat),
        (304, "symlinkat", names::symlinkat),
        (305, "readlinkat", meta::readlinkat),
        (306, "fchmodat", names::fchmodat),
        (307, "faccessat", meta::faccessat),
        (308, "pselect6", poll::pselect6),
        (309, "ppoll", poll::ppoll),
        (313, "splice", rw::splice),
        (314, "sync_file_range", names::fsync),
        (320, "utimensat", names::utimensat),
        (324, "fallocate", names::fallocate),
        (330, "dup3", open::dup3),
        (331, "pipe2", open::pipe2),
        (333, "preadv", rw::preadv),
        (334, "pwritev", rw::pwritev),
        (344, "syncfs", names::fsync),
        (353, "renameat2", names::renameat2),
        (356, "memfd_create", open::memfd_create),
        (377, "copy_file_range", rw::copy_file_range),
        (383, "statx", meta::statx),
        (412, "utimensat_time64", names::utimensat_time64),
        (413, "pselect6_time64", poll::pselect6_time64),
        (414, "ppoll_time64", poll::ppoll_time64),
        (436, "close_range", open::close_range),
        (439, "faccessat2", meta::faccessat2),
    ]
}

/// The calling task's address space.
fn mem(task: &Task) -> RefMut<'_, Mm> {
    task.mm.borrow_mut()
}

fn path_arg(task: &Task, addr: u32) -> Result<Vec<u8>, Errno> {
    uaccess::read_path(&mut mem(task).space, addr)
}

/// Reads a path that may be empty (for `AT_EMPTY_PATH`).
fn path_or_empty(task: &Task, addr: u32) -> Result<Vec<u8>, Errno> {
    mem(task)
        .space
        .read_cstr(addr, uaccess::PATH_MAX)
        .map_err(|_| Errno::EFAULT)?
        .ok_or(Errno::ENAMETOOLONG)
}

/// The open file description behind `fd`.
fn file(task: &Task, fd: u32) -> Result<FileRef, Errno> {
    task.files.borrow().get(fd)
}

/// The owner of nodes the task creates.
fn who(task: &Task) -> Creator {
    Creator {
        uid: task.creds.user.fs,
        gid: task.creds.group.fs,
    }
}

/// Where `path` starts for an `*at` call: the root for an absolute path
/// (`dirfd` is then ignored, as on Linux), the working directory for
/// `AT_FDCWD`, else the directory open as `dirfd`.
///
/// Every path-walking call comes here first, so this is also where the
/// `/proc` snapshot is refreshed when the walk may enter it.
fn base(k: &Kernel, task: &Task, dirfd: u32, path: &[u8]) -> Result<Loc, Errno> {
    let start = start_of(k, task, dirfd, path)?;
    if procfs::may_reach(&k.vfs, start, path) {
        procfs::refresh(k, task);
    }
    Ok(start)
}

fn start_of(k: &Kernel, task: &Task, dirfd: u32, path: &[u8]) -> Result<Loc, Errno> {
    if path.starts_with(b"/") {
        return Ok(k.vfs.root_loc());
    }
    if dirfd == AT_FDCWD {
        return Ok(k.vfs.cwd(&task.fs.borrow()));
    }
    let f = file(task, dirfd)?;
    let f = f.borrow();
    match (&f.kind, &f.node) {
        (FileKind::Dir { .. } | FileKind::Path, Some(n)) if k.vfs.stat_loc(n.loc)?.is_dir() => {
            Ok(n.loc)
        }
        _ => Err(Errno::ENOTDIR),
    }
}

/// The node an open file refers to (`EBADF` for pipes and console streams
/// where the call needs a node).
fn node_of(task: &Task, fd: u32) -> Result<Loc, Errno> {
    let f = file(task, fd)?;
    let f = f.borrow();
    f.node.as_ref().map(|n| n.loc).ok_or(Errno::EINVAL)
}

/// Console, host and deadline for file I/O; also brings the VFS clock up to date.
fn io<'a>(k: &'a mut Kernel, task: &'a mut Task) -> Io<'a> {
    k.vfs.set_time(k.now.realtime_ns);
    Io {
        console: &mut k.vfs.console,
        host: &mut *k.host,
        now: k.now.monotonic_ns,
        deadline: &mut task.restart_deadline,
        signals: &mut task.sig,
        pgid: task.pgid,
        sid: task.sid,
    }
}

/// Brings the VFS clock up to date before a call that changes timestamps.
fn tick(k: &mut Kernel) -> &mut crate::vfs::Vfs {
    k.vfs.set_time(k.now.realtime_ns);
    &mut k.vfs
}

fn ok(v: usize) -> SysResult {
    Ok(v as u32)
}

/// Reads a guest array of `n` little-endian `u32` pairs (`iovec`s).
pub(super) fn read_iovecs(task: &Task, addr: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
    // UIO_MAXIOV
    if count > 1024 {
        return Err(Errno::EINVAL);
    }
    let raw = uaccess::read_bytes(&mut mem(task).space, addr, count as usize * 8)?;
    let word = |i: usize| u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
    let iov: Vec<(u32, u32)> = (0..count as usize)
        .map(|i| (word(i * 8), word(i * 8 + 4)))
        .collect();
    let mut total: u32 = 0;
    for &(_, len) in &iov {
        total = total
            .checked_add(len)
            .filter(|t| *t <= i32::MAX as u32)
            .ok_or(Errno::EINVAL)?;
    }
    Ok(iov)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_unique_and_sorted() {
        let t = table();
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "rows out of order");
    }
}
