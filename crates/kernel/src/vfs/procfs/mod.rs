//! `/proc`, generated from kernel state: `self` and `thread-self`, one
//! directory per process (`exe`, `cwd`, `root`, `cmdline`, `environ`,
//! `comm`, `stat`, `statm`, `status`, `maps`, `limits`, `mounts`,
//! `mountinfo`, `fd/` and `task/<tid>/` with the same files per thread),
//! the system-wide files (`stat`, `uptime`, `loadavg`, `meminfo`,
//! `cpuinfo`, `version`, `filesystems`, `mounts`) and
//! `sys/kernel/{pid_max,ostype,osrelease,hostname}`. It is mounted over
//! any root, like `/dev`, so a guest never sees the host's `/proc`
//! (busybox's shell runs applets by exec'ing `/proc/self/exe`).
//!
//! [`ProcFs`] serves a snapshot ([`snapshot::ProcView`]) that [`refresh`]
//! rebuilds when a system call is about to walk a path into `/proc` (see
//! `sys/fs.rs`, `base`) or exec one. Contents are generated from the
//! snapshot on each read (`text.rs`); sizes are 0, as on Linux. `exe` is
//! made absolute at exec (it may be `/proc/self/exe` itself), and so is a
//! file opened by a path into `/proc`.
//!
//! Inodes fit 32 bits, as Linux's do (a 32-bit `readdir` or `stat` fails
//! with `EOVERFLOW` otherwise): the fixed nodes are small numbers
//! ([`FIXED`]); a process's nodes are `pid << 16 | entry`, a thread's
//! `tid << 16 | THREAD_NODE | entry` (a tid names its process too), with
//! `FD_BASE + fd` as the entry of `fd/N`.

mod snapshot;
mod text;

use std::cell::RefCell;
use std::rc::Rc;

use super::{DirEntry, FileSystem, FileType, Ino, Loc, Stat, StatFs, Timespec, Vfs};
use crate::abi::errno::Errno;
use crate::task::Pid;
#[cfg(test)]
pub(crate) use snapshot::ProcInfo;
use snapshot::ProcView;
pub(crate) use snapshot::{refresh, resident_kb, sample, Link};

/// The snapshot [`ProcFs`] serves, shared with the VFS.
pub(crate) type ViewRef = Rc<RefCell<ProcView>>;

/// Highest process id plus one (`/proc/sys/kernel/pid_max`).
pub(crate) const PID_MAX: Pid = 32768;
const PROC_MAGIC: u32 = 0x9fa0;
/// Where a node's pid or tid starts; lower bits are the entry.
const ID_SHIFT: u32 = 16;
/// Set in the nodes of `task/<tid>/`.
const THREAD_NODE: Ino = 1 << 12;
const ENTRY_MASK: Ino = THREAD_NODE - 1;
/// Entry number of `fd/N` is `FD_BASE + N` (descriptors are below 1024).
const FD_BASE: u64 = 0x100;
/// Descriptors `fd/` can name: all a process can have.
const MAX_FD: u32 = crate::vfs::RLIMIT_NOFILE as u32;

/// A node that is always there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fixed {
    Dir,
    SelfLink,
    ThreadSelf,
    Stat,
    Uptime,
    Loadavg,
    Meminfo,
    Cpuinfo,
    Version,
    Filesystems,
    Mounts,
    PidMax,
    OsType,
    OsRelease,
    Hostname,
}

const ROOT: Ino = 1;
/// The fixed nodes: inode, parent directory, name, what it is.
const FIXED: [(Ino, Ino, &[u8], Fixed); 17] = [
    (ROOT, ROOT, b"", Fixed::Dir),
    (2, ROOT, b"self", Fixed::SelfLink),
    (3, ROOT, b"thread-self", Fixed::ThreadSelf),
    (4, ROOT, b"stat", Fixed::Stat),
    (5, ROOT, b"uptime", Fixed::Uptime),
    (6, ROOT, b"loadavg", Fixed::Loadavg),
    (7, ROOT, b"meminfo", Fixed::Meminfo),
    (8, ROOT, b"cpuinfo", Fixed::Cpuinfo),
    (9, ROOT, b"version", Fixed::Version),
    (10, ROOT, b"filesystems", Fixed::Filesystems),
    (11, ROOT, b"mounts", Fixed::Mounts),
    (12, ROOT, b"sys", Fixed::Dir),
    (13, 12, b"kernel", Fixed::Dir),
    (14, 13, b"pid_max", Fixed::PidMax),
    (15, 13, b"ostype", Fixed::OsType),
    (16, 13, b"osrelease", Fixed::OsRelease),
    (17, 13, b"hostname", Fixed::Hostname),
];

/// A node of a process or thread directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    Dir,
    Exe,
    Cwd,
    Root,
    Cmdline,
    Environ,
    Comm,
    Stat,
    Statm,
    Status,
    Maps,
    Limits,
    Mounts,
    Mountinfo,
    FdDir,
    TaskDir,
    Fd(u32),
}
const PID_ENTRIES: [(&[u8], Entry); 15] = [
    (b"exe", Entry::Exe),
    (b"cwd", Entry::Cwd),
    (b"root", Entry::Root),
    (b"cmdline", Entry::Cmdline),
    (b"environ", Entry::Environ),
    (b"comm", Entry::Comm),
    (b"stat", Entry::Stat),
    (b"statm", Entry::Statm),
    (b"status", Entry::Status),
    (b"maps", Entry::Maps),
    (b"limits", Entry::Limits),
    (b"mounts", Entry::Mounts),
    (b"mountinfo", Entry::Mountinfo),
    (b"fd", Entry::FdDir),
    (b"task", Entry::TaskDir),
];

/// A decoded inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Fixed(Ino, Fixed),
    /// Process `pid`, thread `tid` (0: the process itself), entry.
    Proc(Pid, Pid, Entry),
}

impl Entry {
    fn number(self) -> u64 {
        match self {
            Entry::Dir => 0,
            Entry::Fd(n) => FD_BASE + u64::from(n),
            e => 1 + PID_ENTRIES.iter().position(|(_, p)| *p == e).unwrap_or(0) as u64,
        }
    }

    fn from_number(n: u64) -> Option<Entry> {
        match n {
            0 => Some(Entry::Dir),
            n if n >= FD_BASE => u32::try_from(n - FD_BASE)
                .ok()
                .filter(|&fd| fd < MAX_FD)
                .map(Entry::Fd),
            n => PID_ENTRIES.get(n as usize - 1).map(|(_, e)| *e),
        }
    }

    fn kind(self) -> FileType {
        match self {
            Entry::Dir | Entry::FdDir | Entry::TaskDir => FileType::Directory,
            Entry::Exe | Entry::Cwd | Entry::Root | Entry::Fd(_) => FileType::Symlink,
            _ => FileType::Regular,
        }
    }
}

impl Node {
    fn ino(self) -> Ino {
        match self {
            Node::Fixed(ino, _) => ino,
            Node::Proc(pid, 0, e) => u64::from(pid) << ID_SHIFT | e.number(),
            Node::Proc(_, tid, e) => u64::from(tid) << ID_SHIFT | THREAD_NODE | e.number(),
        }
    }

    fn kind(self) -> FileType {
        match self {
            Node::Fixed(_, Fixed::Dir) => FileType::Directory,
            Node::Fixed(_, Fixed::SelfLink | Fixed::ThreadSelf) => FileType::Symlink,
            Node::Fixed(..) => FileType::Regular,
            Node::Proc(_, _, e) => e.kind(),
        }
    }
}

/// The process whose `/proc/<pid>` directory is inode `ino` (what
/// `pidfd_open` returns, and what `pidfd_send_signal` accepts).
pub(crate) fn pid_of_dir(ino: Ino) -> Option<Pid> {
    (ino & (THREAD_NODE | ENTRY_MASK) == Entry::Dir.number())
        .then(|| Pid::try_from(ino >> ID_SHIFT).ok())
        .flatten()
        .filter(|&pid| pid > 0)
}

/// Parses a decimal number the way `/proc` names are written (no sign, no
/// leading zeros).
fn number(name: &[u8]) -> Option<u32> {
    if name.is_empty()
        || name.len() > 10
        || (name[0] == b'0' && name.len() > 1)
        || !name.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

/// A pid or tid (all are below `PID_MAX`, so they fit an inode).
fn id(name: &[u8]) -> Result<Pid, Errno> {
    number(name)
        .filter(|&n| n > 0 && n < PID_MAX)
        .ok_or(Errno::ENOENT)
}

/// The kernel-provided `/proc`.
pub(crate) struct ProcFs {
    view: ViewRef,
    boot: Option<Timespec>,
}

impl ProcFs {
    pub(crate) fn new(view: ViewRef) -> ProcFs {
        ProcFs { view, boot: None }
    }

    /// The node `ino` names, if it still exists in the snapshot.
    fn node(&self, ino: Ino) -> Result<Node, Errno> {
        let id = ino >> ID_SHIFT;
        if id == 0 {
            return FIXED
                .iter()
                .find(|f| f.0 == ino)
                .map(|f| Node::Fixed(ino, f.3))
                .ok_or(Errno::ENOENT);
        }
        let id = Pid::try_from(id)
            .ok()
            .filter(|&i| i < PID_MAX)
            .ok_or(Errno::ENOENT)?;
        let entry = Entry::from_number(ino & ENTRY_MASK).ok_or(Errno::ENOENT)?;
        let thread = ino & THREAD_NODE != 0;
        if ino & ((1 << ID_SHIFT) - 1) & !(THREAD_NODE | ENTRY_MASK) != 0
            || (thread && entry == Entry::TaskDir)
        {
            return Err(Errno::ENOENT);
        }
        let view = self.view.borrow();
        let (pid, tid) = if thread {
            let owner = view.procs.iter().find(|(_, p)| p.thread(id).is_some());
            (*owner.ok_or(Errno::ENOENT)?.0, id)
        } else {
            (id, 0)
        };
        let p = view.procs.get(&pid).ok_or(Errno::ENOENT)?;
        if let Entry::Fd(fd) = entry {
            p.fds.iter().find(|(n, _)| *n == fd).ok_or(Errno::ENOENT)?;
        }
        Ok(Node::Proc(pid, tid, entry))
    }

    /// The contents of a regular file.
    fn contents(&self, node: Node) -> Vec<u8> {
        let view = self.view.borrow();
        let text = match node {
            Node::Fixed(_, f) => match f {
                Fixed::Stat => text::kernel_stat(&view),
                Fixed::Uptime => text::uptime(&view),
                Fixed::Loadavg => text::loadavg(&view),
                Fixed::Meminfo => text::meminfo(&view),
                Fixed::Cpuinfo => text::cpuinfo(),
                Fixed::Version => text::version(),
                Fixed::Filesystems => text::FILESYSTEMS.to_string(),
                Fixed::Mounts => text::mounts(&view.mounts),
                Fixed::PidMax => format!("{PID_MAX}\n"),
                Fixed::OsType => format!("{}\n", crate::sys::UTS[0]),
                Fixed::OsRelease => format!("{}\n", crate::sys::UTS[2]),
                Fixed::Hostname => format!("{}\n", crate::sys::UTS[1]),
                Fixed::Dir | Fixed::SelfLink | Fixed::ThreadSelf => String::new(),
            },
            Node::Proc(pid, tid, e) => {
                let Some(p) = view.procs.get(&pid) else {
                    return Vec::new();
                };
                let thread = p.thread(tid);
                match e {
                    Entry::Cmdline => return p.cmdline.clone(),
                    Entry::Environ => return p.environ.clone(),
                    Entry::Maps => return text::maps(p),
                    Entry::Comm => return [text::comm(p, thread), b"\n"].concat(),
                    Entry::Stat => text::stat(pid, p, thread),
                    Entry::Status => text::status(pid, p, thread),
                    Entry::Statm => text::statm(p),
                    Entry::Limits => text::limits(p),
                    Entry::Mounts => text::mounts(&view.mounts),
                    Entry::Mountinfo => text::mountinfo(&view.mounts),
                    _ => String::new(),
                }
            }
        };
        text.into_bytes()
    }

    /// What the symlink `ino` says.
    fn link_of(&self, ino: Ino) -> Result<Link, Errno> {
        let node = self.node(ino)?;
        let view = self.view.borrow();
        let proc_of = |pid| view.procs.get(&pid).ok_or(Errno::ENOENT);
        match node {
            Node::Fixed(_, Fixed::SelfLink) => {
                Ok(Link::Text(view.self_pid.to_string().into_bytes()))
            }
            Node::Fixed(_, Fixed::ThreadSelf) => Ok(Link::Text(
                format!("{}/task/{}", view.self_pid, view.self_tid).into_bytes(),
            )),
            Node::Proc(pid, _, Entry::Exe) => Ok(proc_of(pid)?.exe.clone()),
            Node::Proc(pid, _, Entry::Cwd) => Ok(proc_of(pid)?.cwd.clone()),
            Node::Proc(_, _, Entry::Root) => Ok(Link::Text(b"/".to_vec())),
            Node::Proc(pid, _, Entry::Fd(fd)) => proc_of(pid)?
                .fds
                .iter()
                .find(|(n, _)| *n == fd)
                .map(|(_, t)| t.clone())
                .ok_or(Errno::ENOENT),
            _ => Err(Errno::EINVAL),
        }
    }
}

/// What `/proc` symlink `ino` says, for `Vfs::readlink`.
pub(crate) fn link(view: &ViewRef, ino: Ino) -> Result<Link, Errno> {
    ProcFs {
        view: view.clone(),
        boot: None,
    }
    .link_of(ino)
}

impl FileSystem for ProcFs {
    fn root(&self) -> Ino {
        ROOT
    }

    fn lookup(&mut self, dir: Ino, name: &[u8]) -> Result<Ino, Errno> {
        let found = match self.node(dir)? {
            Node::Fixed(ino, Fixed::Dir) => {
                if name == b".." {
                    let parent = FIXED.iter().find(|f| f.0 == ino).map_or(ROOT, |f| f.1);
                    return Ok(parent);
                }
                match FIXED
                    .iter()
                    .find(|f| f.1 == ino && f.0 != ino && f.2 == name)
                {
                    Some(f) => Node::Fixed(f.0, f.3),
                    None if ino == ROOT => Node::Proc(id(name)?, 0, Entry::Dir),
                    None => return Err(Errno::ENOENT),
                }
            }
            Node::Proc(pid, tid, Entry::Dir) => match name {
                b".." if tid == 0 => Node::Fixed(ROOT, Fixed::Dir),
                b".." => Node::Proc(pid, 0, Entry::TaskDir),
                _ => Node::Proc(
                    pid,
                    tid,
                    PID_ENTRIES
                        .iter()
                        .find(|(n, _)| *n == name)
                        .ok_or(Errno::ENOENT)?
                        .1,
                ),
            },
            Node::Proc(pid, tid, Entry::FdDir) => match name {
                b".." => Node::Proc(pid, tid, Entry::Dir),
                // Larger numbers would not fit the inode's entry bits (and
                // are never descriptors: the limit is 1024).
                _ => Node::Proc(
                    pid,
                    tid,
                    Entry::Fd(
                        number(name)
                            .filter(|&fd| fd < MAX_FD)
                            .ok_or(Errno::ENOENT)?,
                    ),
                ),
            },
            Node::Proc(pid, _, Entry::TaskDir) => match name {
                b".." => Node::Proc(pid, 0, Entry::Dir),
                _ => Node::Proc(pid, id(name)?, Entry::Dir),
            },
            _ => return Err(Errno::ENOTDIR),
        };
        // Checks that the pid, thread or descriptor exists.
        self.node(found.ino())?;
        Ok(found.ino())
    }

    fn stat(&mut self, ino: Ino) -> Result<Stat, Errno> {
        let node = self.node(ino)?;
        let (uid, gid) = match node {
            Node::Proc(pid, ..) => self.view.borrow().procs.get(&pid).map_or((0, 0), |p| {
                (p.creds.user.effective, p.creds.group.effective)
            }),
            _ => (0, 0),
        };
        let mode = match node {
            Node::Fixed(_, Fixed::Hostname) => 0o100644,
            Node::Proc(_, _, Entry::Environ) => 0o100400,
            _ => match node.kind() {
                FileType::Directory => 0o40555,
                FileType::Symlink => 0o120777,
                _ => 0o100444,
            },
        };
        let t = self.boot.unwrap_or_default();
        Ok(Stat {
            ino,
            mode,
            nlink: if node.kind() == FileType::Directory {
                2
            } else {
                1
            },
            uid,
            gid,
            blksize: 1024,
            atime: t,
            mtime: t,
            ctime: t,
            ..Stat::default()
        })
    }

    fn read(&mut self, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let node = self.node(ino)?;
        match node.kind() {
            FileType::Directory => return Err(Errno::EISDIR),
            FileType::Symlink => return Err(Errno::EINVAL),
            _ => {}
        }
        let data = self.contents(node);
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }

    fn readdir(&mut self, dir: Ino) -> Result<Vec<DirEntry>, Errno> {
        let entry = |node: Node, name: &[u8]| DirEntry {
            ino: node.ino(),
            kind: node.kind(),
            name: name.to_vec(),
        };
        let view = self.view.borrow();
        Ok(match self.node(dir)? {
            Node::Fixed(ino, Fixed::Dir) => {
                let fixed = FIXED
                    .iter()
                    .filter(|f| f.1 == ino && f.0 != ino)
                    .map(|f| entry(Node::Fixed(f.0, f.3), f.2));
                let pids = view
                    .procs
                    .keys()
                    .filter(|_| ino == ROOT)
                    .map(|&p| entry(Node::Proc(p, 0, Entry::Dir), p.to_string().as_bytes()));
                fixed.chain(pids).collect()
            }
            Node::Proc(pid, tid, Entry::Dir) => PID_ENTRIES
                .iter()
                .filter(|(_, e)| tid == 0 || *e != Entry::TaskDir)
                .map(|(n, e)| entry(Node::Proc(pid, tid, *e), n))
                .collect(),
            Node::Proc(pid, tid, Entry::FdDir) => {
                let fds = view
                    .procs
                    .get(&pid)
                    .map(|p| p.fds.as_slice())
                    .unwrap_or_default();
                fds.iter()
                    .map(|(fd, _)| {
                        entry(
                            Node::Proc(pid, tid, Entry::Fd(*fd)),
                            fd.to_string().as_bytes(),
                        )
                    })
                    .collect()
            }
            Node::Proc(pid, _, Entry::TaskDir) => {
                let threads = view
                    .procs
                    .get(&pid)
                    .map(|p| p.threads.as_slice())
                    .unwrap_or_default();
                threads
                    .iter()
                    .map(|t| {
                        entry(
                            Node::Proc(pid, t.tid, Entry::Dir),
                            t.tid.to_string().as_bytes(),
                        )
                    })
                    .collect()
            }
            _ => return Err(Errno::ENOTDIR),
        })
    }

    /// The link's text, paths as given; `Vfs::readlink` uses [`link`] to
    /// make them absolute.
    fn readlink(&mut self, ino: Ino) -> Result<Vec<u8>, Errno> {
        self.link_of(ino).map(|l| l.raw().to_vec())
    }

    fn tick(&mut self, now: Timespec) {
        self.boot.get_or_insert(now);
    }

    fn statfs(&mut self) -> StatFs {
        StatFs {
            magic: PROC_MAGIC,
            bsize: 4096,
            namelen: 255,
            ..StatFs::default()
        }
    }
}

/// The name `/proc/mounts` gives a file system, by its magic number.
fn fs_type(magic: u32) -> &'static str {
    match magic {
        PROC_MAGIC => "proc",
        super::sysfs::SYSFS_MAGIC => "sysfs",
        0x1373 => "devtmpfs",
        0x0102_1994 => "tmpfs",
        0xef53 => "ext2",
        _ => "rootfs",
    }
}

/// `dir/name`, without doubling the root's slash.
pub(crate) fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let sep: &[u8] = if dir.ends_with(b"/") { b"" } else { b"/" };
    [dir, sep, name].concat()
}

/// Whether a system call walking `path` from `start` may reach `/proc`, so
/// the snapshot should be refreshed first: the path mentions `proc`, or the
/// walk starts inside it.
pub(crate) fn may_reach(vfs: &Vfs, start: Loc, path: &[u8]) -> bool {
    start.mnt == vfs.proc_mnt || path.windows(4).any(|w| w == b"proc")
}

#[cfg(test)]
mod tests;
