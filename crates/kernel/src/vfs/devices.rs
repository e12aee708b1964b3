//! Character devices and the minimal `/dev` the kernel mounts over any root:
//! `null`, `zero`, `full`, `random`, `urandom`, `tty`, `console`.
//!
//! A device node in any file system (this one, a host directory, a tar
//! root) is opened by its device number, as Linux does; [`DevFs`] only
//! provides the names.
//!
//! `/dev/stdin`, `/dev/stdout` and `/dev/stderr` are symlinks into
//! `/proc/self/fd` on Linux; this kernel's `/proc` links are plain paths,
//! not Linux's "magic" links to the open file, so they are device nodes here
//! (major [`FD_ALIAS_MAJOR`]) whose open yields the process's descriptor
//! 0, 1 or 2 — the same description rather than a reopened file. `/dev/fd`
//! (bash's process substitution opens `/dev/fd/63`) is a directory in which
//! every decimal name is such a node for that descriptor.

use super::{DirEntry, FileSystem, FileType, Ino, Stat, StatFs, Timespec};
use crate::abi::errno::Errno;
use crate::Host;

/// A character device the kernel implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Null,
    Zero,
    Full,
    /// `random` and `urandom` (both never block).
    Random,
    /// The console tty (`/dev/tty`, `/dev/console`).
    Tty,
    /// Opens as the opener's descriptor n (`/dev/stdin`…); the system
    /// call layer substitutes the descriptor.
    Fd(u32),
    /// `/dev/ptmx`: opening makes a new pseudo-terminal pair (`pty.rs`);
    /// the system call layer substitutes the master.
    Ptmx,
    /// `/dev/pts/n` for n ≥ 1: a pseudo-terminal slave, substituted likewise.
    Pts(u32),
}

/// Device major of the descriptor aliases: one of Linux's majors reserved
/// for local use, so no real device collides.
pub const FD_ALIAS_MAJOR: u32 = 240;

impl Device {
    /// The device with this (major, minor) number.
    pub fn from_rdev(rdev: (u32, u32)) -> Option<Device> {
        Some(match rdev {
            (1, 3) => Device::Null,
            (1, 5) => Device::Zero,
            (1, 7) => Device::Full,
            (1, 8) | (1, 9) => Device::Random,
            (5, 0) | (5, 1) | (136, 0) => Device::Tty,
            (FD_ALIAS_MAJOR, n) => Device::Fd(n),
            (5, 2) => Device::Ptmx,
            (136, n) => Device::Pts(n),
            _ => return None,
        })
    }

    /// Reads; the tty is handled by the console, not here.
    pub fn read(self, host: &mut dyn Host, buf: &mut [u8]) -> usize {
        match self {
            Device::Null | Device::Tty | Device::Fd(_) | Device::Ptmx | Device::Pts(_) => 0,
            Device::Zero | Device::Full => {
                buf.fill(0);
                buf.len()
            }
            Device::Random => {
                host.fill_random(buf);
                buf.len()
            }
        }
    }

    pub fn write(self, data: &[u8]) -> Result<usize, Errno> {
        match self {
            Device::Full => Err(Errno::ENOSPC),
            _ => Ok(data.len()),
        }
    }
}

/// A device node: its name, the directory holding it, its (major, minor)
/// and permission bits.
struct Node {
    name: &'static [u8],
    dir: Ino,
    rdev: (u32, u32),
    perm: u32,
}

/// The device nodes. The
/// console also appears as `/dev/pts/0`, the number its `fstat` reports, so
/// `ttyname` finds it either way: `/proc/self/fd/N` says `/dev/pts/0` too.
const NODES: [Node; 12] = [
    Node {
        name: b"null",
        dir: ROOT,
        rdev: (1, 3),
        perm: 0o666,
    },
    Node {
        name: b"zero",
        dir: ROOT,
        rdev: (1, 5),
        perm: 0o666,
    },
    Node {
        name: b"full",
        dir: ROOT,
        rdev: (1, 7),
        perm: 0o666,
    },
    Node {
        name: b"random",
        dir: ROOT,
        rdev: (1, 8),
        perm: 0o666,
    },
    Node {
        name: b"urandom",
        dir: ROOT,
        rdev: (1, 9),
        perm: 0o666,
    },
    Node {
        name: b"tty",
        dir: ROOT,
        rdev: (5, 0),
        perm: 0o666,
    },
    Node {
        name: b"console",
        dir: ROOT,
        rdev: (5, 1),
        perm: 0o600,
    },
    Node {
        name: b"stdin",
        dir: ROOT,
        rdev: (FD_ALIAS_MAJOR, 0),
        perm: 0o666,
    },
    Node {
        name: b"stdout",
        dir: ROOT,
        rdev: (FD_ALIAS_MAJOR, 1),
        perm: 0o666,
    },
    Node {
        name: b"stderr",
        dir: ROOT,
        rdev: (FD_ALIAS_MAJOR, 2),
        perm: 0o666,
    },
    Node {
        name: b"ptmx",
        dir: ROOT,
        rdev: (5, 2),
        perm: 0o666,
    },
    Node {
        name: b"0",
        dir: PTS,
        rdev: (136, 0),
        perm: 0o620,
    },
];
const ROOT: Ino = 1;
const PTS: Ino = 2;
/// `/dev/fd`.
const FD_DIR: Ino = 0x800;
/// Inode number of `/dev/fd/n`.
const FD_BASE: Ino = 0x10_0000;
/// Inode number of `NODES[0]`.
const FIRST: Ino = 3;
/// Inode number of `/dev/pts/n` for n ≥ 1: any such name looks up, and
/// opening it finds out whether that pseudo-terminal exists (`ENXIO`).
const PTS_BASE: Ino = 0x1000;
const DEVFS_MAGIC: u32 = 0x1373;

/// The pty number a `/dev/pts` name stands for (1 and up, decimal, no
/// leading zeros; 0 is the console's node).
fn pts_number(name: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(name).ok()?;
    let n: u32 = s.parse().ok()?;
    (n > 0 && s == n.to_string()).then_some(n)
}

/// The descriptor a `/dev/fd` name stands for (decimal, no leading zeros).
fn fd_number(name: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(name).ok()?;
    let n: u32 = s.parse().ok()?;
    (s == n.to_string() && Ino::from(n) < FD_BASE).then_some(n)
}

/// The read-only `/dev` directory. Its nodes carry the time the VM started
/// (the first [`FileSystem::tick`]), like devtmpfs.
#[derive(Default)]
pub struct DevFs {
    boot: Option<Timespec>,
}

impl FileSystem for DevFs {
    fn root(&self) -> Ino {
        ROOT
    }

    fn lookup(&mut self, dir: Ino, name: &[u8]) -> Result<Ino, Errno> {
        match (dir, name) {
            (ROOT | PTS | FD_DIR, b"..") => Ok(ROOT),
            (ROOT, b"pts") => Ok(PTS),
            (ROOT, b"fd") => Ok(FD_DIR),
            (FD_DIR, _) => fd_number(name)
                .map(|n| FD_BASE + Ino::from(n))
                .ok_or(Errno::ENOENT),
            (ROOT | PTS, _) => NODES
                .iter()
                .position(|n| n.dir == dir && n.name == name)
                .map(|i| i as Ino + FIRST)
                .or_else(|| match dir {
                    PTS => pts_number(name).map(|n| PTS_BASE + Ino::from(n)),
                    _ => None,
                })
                .ok_or(Errno::ENOENT),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn stat(&mut self, ino: Ino) -> Result<Stat, Errno> {
        let (mode, rdev, nlink) = match ino {
            ROOT => (0o40755, (0, 0), 3),
            PTS => (0o40755, (0, 0), 2),
            FD_DIR => (0o40555, (0, 0), 2),
            n if (FD_BASE..2 * FD_BASE).contains(&n) => (
                FileType::CharDev.mode_bits() | 0o666,
                (FD_ALIAS_MAJOR, (n - FD_BASE) as u32),
                1,
            ),
            n if n > PTS_BASE && n - PTS_BASE < u64::from(u32::MAX) => (
                FileType::CharDev.mode_bits() | 0o620,
                (136, (n - PTS_BASE) as u32),
                1,
            ),
            _ => {
                let node = NODES
                    .get((ino as usize).wrapping_sub(FIRST as usize))
                    .ok_or(Errno::ENOENT)?;
                (FileType::CharDev.mode_bits() | node.perm, node.rdev, 1)
            }
        };
        let t = self.boot.unwrap_or_default();
        Ok(Stat {
            ino,
            mode,
            nlink,
            rdev,
            blksize: 4096,
            atime: t,
            mtime: t,
            ctime: t,
            ..Stat::default()
        })
    }

    fn read(&mut self, ino: Ino, _offset: u64, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(if ino == ROOT || ino == PTS || ino == FD_DIR {
            Errno::EISDIR
        } else {
            Errno::EINVAL
        })
    }

    /// `/dev/fd` lists nothing: which descriptors exist depends on who asks.
    fn readdir(&mut self, dir: Ino) -> Result<Vec<DirEntry>, Errno> {
        if dir != ROOT && dir != PTS && dir != FD_DIR {
            return Err(Errno::ENOTDIR);
        }
        let dirs = [(PTS, &b"pts"[..]), (FD_DIR, b"fd")].map(|(ino, name)| DirEntry {
            ino,
            kind: FileType::Directory,
            name: name.to_vec(),
        });
        let dirs = if dir == ROOT { &dirs[..] } else { &[] };
        let nodes = NODES.iter().enumerate().filter(|(_, n)| n.dir == dir);
        Ok(dirs
            .iter()
            .cloned()
            .chain(nodes.map(|(i, n)| DirEntry {
                ino: i as Ino + FIRST,
                kind: FileType::CharDev,
                name: n.name.to_vec(),
            }))
            .collect())
    }

    fn readlink(&mut self, _ino: Ino) -> Result<Vec<u8>, Errno> {
        Err(Errno::EINVAL)
    }

    fn tick(&mut self, now: Timespec) {
        self.boot.get_or_insert(now);
    }

    fn statfs(&mut self) -> StatFs {
        StatFs {
            magic: DEVFS_MAGIC,
            bsize: 4096,
            namelen: 255,
            ..StatFs::default()
        }
    }
}
