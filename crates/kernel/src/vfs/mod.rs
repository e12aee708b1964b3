//! The virtual file system: path resolution confined to the guest root,
//! open files and descriptor tables, pipes, devices and the console tty.
//!
//! Layers, top down:
//! - `sys/fs.rs` decodes system calls and calls into this module.
//! - [`Vfs`] (`mount.rs`) owns the mount table (the root, `/dev`, maybe
//!   `/tmp`) and the [`Console`]; `path.rs` walks paths component by component
//!   itself — every `..` and every symlink — so no path leaves the guest root
//!   whatever the mounted file system is.
//! - [`FileSystem`] is what a mounted tree implements: the in-memory [`MemFs`],
//!   the host directory (`tabvm_host::HostDirFs`), the device directory, and
//!   later ext2. Nodes are named by inode numbers chosen by the file system.
//! - [`FdTable`] maps descriptors to shared [`OpenFile`] descriptions
//!   (`fd.rs`, `file.rs`); pipes (`pipe.rs`) and devices (`devices.rs`) are
//!   kinds of open file, and kinds with a module of their own plug in
//!   through `special.rs`: `eventfd.rs`, `timerfd.rs`, `signalfd.rs`,
//!   `epoll.rs`, the pseudo-terminal ends (`pty.rs`) and sockets (`net/`).
//! - `ldisc.rs` is the line discipline of the console and the ptys;
//!   `lock.rs` keeps `flock` and POSIX record locks.
//! - `procfs.rs` is the kernel's `/proc`, generated from a snapshot of the
//!   processes.
//!
//! Nothing here blocks (DESIGN rule 1): an operation that would wait returns
//! `SysError::Block` and the scheduler re-executes the system call later.
//!
//! For the kernel core: `Vfs::read_executable` loads a program for `execve`,
//! and [`read_fd_at`] reads file bytes for a file-backed `mmap`.

mod console;
mod devices;
pub(crate) mod epoll;
pub(crate) mod eventfd;
mod ext2fs;
mod fd;
mod file;
mod ldisc;
pub(crate) mod lock;
mod memfs;
mod mount;
mod path;
mod pipe;
pub(crate) mod procfs;
pub(crate) mod pty;
pub(crate) mod signalfd;
pub(crate) mod special;
mod sysfs;
mod tar;
pub(crate) mod timerfd;

pub use console::{Console, TtySignal};
pub use devices::Device;
pub use ext2fs::{Ext2Fs, DEVICE_WAIT};
pub use fd::{FdTable, FileRef, FsContext, RLIMIT_NOFILE};
pub(crate) use file::Io;
pub(crate) use file::{read_fd_at, read_mapped};
pub use file::{FileKind, OpenFile};
pub use ldisc::{LineDiscipline, Termios, WinSize};
pub use memfs::MemFs;
pub use mount::Vfs;
pub(crate) use pipe::Pipe;
pub(crate) use special::{PollCtx, SpecialFile};

use crate::abi::errno::Errno;
use crate::abi::stat as st;

/// An inode number, chosen by the file system that owns the node.
pub type Ino = u64;

/// The kind of a node (the `S_IFMT` bits of its mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDev,
    BlockDev,
    Fifo,
    Socket,
}

impl FileType {
    /// The `S_IFMT` bits.
    pub fn mode_bits(self) -> u32 {
        match self {
            FileType::Regular => st::S_IFREG,
            FileType::Directory => st::S_IFDIR,
            FileType::Symlink => st::S_IFLNK,
            FileType::CharDev => st::S_IFCHR,
            FileType::BlockDev => st::S_IFBLK,
            FileType::Fifo => st::S_IFIFO,
            FileType::Socket => st::S_IFSOCK,
        }
    }

    /// The type of a full `st_mode`, if it names one.
    pub fn from_mode(mode: u32) -> Option<FileType> {
        Some(match mode & st::S_IFMT {
            st::S_IFREG => FileType::Regular,
            st::S_IFDIR => FileType::Directory,
            st::S_IFLNK => FileType::Symlink,
            st::S_IFCHR => FileType::CharDev,
            st::S_IFBLK => FileType::BlockDev,
            st::S_IFIFO => FileType::Fifo,
            st::S_IFSOCK => FileType::Socket,
            _ => return None,
        })
    }

    /// The `d_type` of a directory entry (`DT_*`): the `S_IFMT` nibble.
    pub fn dirent_type(self) -> u8 {
        (self.mode_bits() >> 12) as u8
    }
}

/// A point in time as `stat` reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: u32,
}

impl Timespec {
    pub fn from_ns(ns: u64) -> Timespec {
        Timespec {
            sec: (ns / 1_000_000_000) as i64,
            nsec: (ns % 1_000_000_000) as u32,
        }
    }
}

/// What `stat` says about a node. `dev` is filled in by the VFS (one per mount).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub dev: u64,
    pub ino: Ino,
    /// Type and permission bits (`st_mode`).
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    /// Device number (major, minor) of a device node.
    pub rdev: (u32, u32),
    pub size: u64,
    /// In 512-byte units.
    pub blocks: u64,
    pub blksize: u32,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
}

impl Stat {
    pub fn file_type(&self) -> Option<FileType> {
        FileType::from_mode(self.mode)
    }
    pub fn is_dir(&self) -> bool {
        self.mode & st::S_IFMT == st::S_IFDIR
    }
}

/// One entry of a directory listing (without `.` and `..`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: Ino,
    pub kind: FileType,
    pub name: Vec<u8>,
}

/// What `statfs` says about a mounted file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct StatFs {
    /// The file system's magic number (`f_type`).
    pub magic: u32,
    pub bsize: u32,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub namelen: u32,
}

/// Attribute changes for [`FileSystem::set_attr`]; `None` leaves a field alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct SetAttr {
    /// Permission bits only (`07777`).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub atime: Option<Timespec>,
    pub mtime: Option<Timespec>,
}

/// Who creates a node.
#[derive(Clone, Copy, Debug, Default)]
pub struct Creator {
    pub uid: u32,
    pub gid: u32,
}

/// A file system the VFS can mount (host directory, in-memory tree, …).
///
/// Names passed in are single components: never empty, never `.`, never
/// containing `/`. `..` is passed to [`lookup`](Self::lookup) only on
/// directories and names the parent (the root's parent is the root: the VFS
/// handles leaving a mount). Symlinks are never followed by the file system:
/// the VFS reads them with [`readlink`](Self::readlink) and walks on itself.
/// Mutating calls default to `EROFS`.
pub trait FileSystem {
    /// The root directory.
    fn root(&self) -> Ino;
    /// Finds `name` in directory `dir` (`ENOTDIR`, `ENOENT`).
    fn lookup(&mut self, dir: Ino, name: &[u8]) -> Result<Ino, Errno>;
    fn stat(&mut self, ino: Ino) -> Result<Stat, Errno>;
    /// Reads at `offset`; 0 at or past the end.
    fn read(&mut self, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize, Errno>;
    /// Lists a directory without `.` and `..`, in a stable order.
    fn readdir(&mut self, dir: Ino) -> Result<Vec<DirEntry>, Errno>;
    /// The target of a symlink (`EINVAL` for other nodes).
    fn readlink(&mut self, ino: Ino) -> Result<Vec<u8>, Errno>;
    fn statfs(&mut self) -> StatFs;

    /// An open file description now refers to `ino`; it stays alive (even
    /// unlinked) until the matching [`release`](Self::release).
    fn open(&mut self, _ino: Ino) {}
    fn release(&mut self, _ino: Ino) {}
    /// Makes every completed change durable before it returns (`fsync`,
    /// `sync`); file systems that hold nothing back have nothing to do.
    fn sync(&mut self) -> Result<(), Errno> {
        Ok(())
    }
    /// The current wall-clock time, given before each mutating call, for file
    /// systems that keep timestamps themselves (the host's set their own).
    fn tick(&mut self, _now: Timespec) {}

    fn write(&mut self, _ino: Ino, _offset: u64, _data: &[u8]) -> Result<usize, Errno> {
        Err(Errno::EROFS)
    }
    fn truncate(&mut self, _ino: Ino, _size: u64) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }
    /// Creates a regular file, directory or fifo (`EEXIST` if `name` exists).
    fn create(
        &mut self,
        _dir: Ino,
        _name: &[u8],
        _kind: FileType,
        _perm: u32,
        _who: Creator,
    ) -> Result<Ino, Errno> {
        Err(Errno::EROFS)
    }
    fn symlink(
        &mut self,
        _dir: Ino,
        _name: &[u8],
        _target: &[u8],
        _who: Creator,
    ) -> Result<Ino, Errno> {
        Err(Errno::EROFS)
    }
    /// A new name for a non-directory.
    fn link(&mut self, _ino: Ino, _dir: Ino, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }
    /// Removes a non-directory name (`EISDIR` for a directory).
    fn unlink(&mut self, _dir: Ino, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }
    /// Removes an empty directory (`ENOTEMPTY`, `ENOTDIR`).
    fn rmdir(&mut self, _dir: Ino, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }
    /// Renames with Linux's replacement rules (a directory replaces only an
    /// empty directory, a non-directory only a non-directory).
    fn rename(
        &mut self,
        _from: Ino,
        _from_name: &[u8],
        _to: Ino,
        _to_name: &[u8],
    ) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }
    fn set_attr(&mut self, _ino: Ino, _attr: SetAttr) -> Result<(), Errno> {
        Err(Errno::EROFS)
    }
    /// The value of extended attribute `name` (a full name, `user.x`):
    /// `ENODATA` if unset, `EOPNOTSUPP` for file systems without them.
    fn get_xattr(&mut self, _ino: Ino, _name: &[u8]) -> Result<Vec<u8>, Errno> {
        Err(Errno::EOPNOTSUPP)
    }
    /// Creates or replaces an extended attribute.
    fn set_xattr(&mut self, _ino: Ino, _name: &[u8], _value: &[u8]) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }
    /// The names of the extended attributes set.
    fn list_xattr(&mut self, _ino: Ino) -> Result<Vec<Vec<u8>>, Errno> {
        Err(Errno::EOPNOTSUPP)
    }
    fn remove_xattr(&mut self, _ino: Ino, _name: &[u8]) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }
}

/// A node of the whole tree: which mount, which inode in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    pub(crate) mnt: usize,
    pub(crate) ino: Ino,
}

/// Checks a name a guest wants to create: not `.`/`..`, at most 255 bytes.
pub(crate) fn check_new_name(name: &[u8]) -> Result<(), Errno> {
    match name {
        b"." | b".." => Err(Errno::EEXIST),
        n if n.len() > 255 => Err(Errno::ENAMETOOLONG),
        _ => Ok(()),
    }
}
