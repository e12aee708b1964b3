//! `/proc`, generated from kernel state: `self`, one directory per process
//! (`exe`, `cwd`, `cmdline`, `comm`, `stat`, `status`, `fd/`), and
//! `uptime`, `meminfo`, `cpuinfo`, `mounts`. It is mounted over any root,
//! like `/dev`, so a guest never sees the host's `/proc` (busybox's shell
//! runs applets by exec'ing `/proc/self/exe`).
//!
//! A file system only sees inode numbers, not the kernel, so [`ProcFs`]
//! reads a [`ProcView`]: a snapshot of the processes that [`refresh`]
//! rebuilds when a system call is about to walk a path into `/proc` (see
//! `sys/fs.rs`, `base`) or exec one. Contents are generated from the
//! snapshot on each read; sizes are 0, as on Linux. The snapshot is cheap:
//! `cwd` and `fd/N` links keep where their path started and the path
//! ([`Link::Path`]), and the VFS makes them absolute only when one is read
//! (`Vfs::readlink`), since that walks directories. `exe` is made absolute
//! at exec (it may be `/proc/self/exe` itself), and so is a file opened by
//! a path into `/proc`.
//!
//! Inodes: small constants for the fixed nodes, and `pid << 16 | entry` for
//! a process's nodes (`FD_BASE + fd` for its descriptors).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::rc::Rc;

use super::file::{FileKind, OpenFile};
use super::{DirEntry, FileSystem, FileType, Ino, Loc, Stat, StatFs, Timespec, Vfs};
use crate::abi::errno::Errno;
use crate::task::{Pid, RunState, Task};
use crate::Kernel;

/// The snapshot [`ProcFs`] serves, shared with the VFS.
pub(crate) type ViewRef = Rc<RefCell<ProcView>>;

/// What `/proc` shows: the caller, every process, and global facts.
#[derive(Default)]
pub(crate) struct ProcView {
    /// The process `/proc/self` names.
    pub self_pid: Pid,
    pub procs: BTreeMap<Pid, ProcInfo>,
    pub uptime_ns: u64,
    /// `/proc/mounts`, already formatted.
    pub mounts: Vec<u8>,
}

/// One process as `/proc/<pid>` shows it.
#[derive(Clone, Default)]
pub(crate) struct ProcInfo {
    pub ppid: Pid,
    pub pgid: Pid,
    pub sid: Pid,
    /// `R`, `S` or `T`.
    pub state: u8,
    pub uid: u32,
    pub gid: u32,
    pub threads: u32,
    pub exe: Link,
    /// argv, each string NUL-terminated.
    pub cmdline: Vec<u8>,
    pub cwd: Link,
    /// Descriptor and what its `fd/N` link says.
    pub fds: Vec<(u32, Link)>,
    pub vm_bytes: u64,
    pub start_ns: u64,
}

/// What a `/proc` symlink says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Link {
    /// Exactly this (`pipe:[3]`, `/dev/pts/0`).
    Text(Vec<u8>),
    /// The absolute form of this path walked from that directory.
    Path(Loc, Vec<u8>),
}

impl Default for Link {
    fn default() -> Self {
        Link::Text(Vec::new())
    }
}

impl Link {
    /// The text, with a path left as it was given (the VFS resolves it).
    fn raw(&self) -> &[u8] {
        match self {
            Link::Text(t) | Link::Path(_, t) => t,
        }
    }
}

const ROOT: Ino = 1;
const SELF: Ino = 2;
/// `/proc/<pid>` nodes are `pid << PID_SHIFT | entry`.
const PID_SHIFT: u32 = 16;
/// Entry number of `fd/N` is `FD_BASE + N` (descriptors are below 1024).
const FD_BASE: u64 = 0x100;
/// Descriptors `fd/` can name: all a process can have.
const MAX_FD: u32 = crate::vfs::RLIMIT_NOFILE as u32;
const PROC_MAGIC: u32 = 0x9fa0;
/// Guest RAM `/proc/meminfo` reports, as `sysinfo` does.
const TOTAL_RAM_KB: u64 = (crate::sys::TOTAL_RAM as u64) >> 10;

/// The files directly in `/proc` besides `self` and the pids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Global {
    Uptime,
    Meminfo,
    Cpuinfo,
    Mounts,
}
const GLOBALS: [(&[u8], Global); 4] = [
    (b"uptime", Global::Uptime),
    (b"meminfo", Global::Meminfo),
    (b"cpuinfo", Global::Cpuinfo),
    (b"mounts", Global::Mounts),
];
/// Inode of `GLOBALS[0]`.
const FIRST_GLOBAL: Ino = 3;

/// A node of a process directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    Dir,
    Exe,
    Cwd,
    Cmdline,
    Comm,
    Stat,
    Status,
    FdDir,
    Fd(u32),
}
const PID_ENTRIES: [(&[u8], Entry); 7] = [
    (b"exe", Entry::Exe),
    (b"cwd", Entry::Cwd),
    (b"cmdline", Entry::Cmdline),
    (b"comm", Entry::Comm),
    (b"stat", Entry::Stat),
    (b"status", Entry::Status),
    (b"fd", Entry::FdDir),
];

/// A decoded inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Root,
    SelfLink,
    Global(Global),
    Pid(Pid, Entry),
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
            Entry::Dir | Entry::FdDir => FileType::Directory,
            Entry::Exe | Entry::Cwd | Entry::Fd(_) => FileType::Symlink,
            _ => FileType::Regular,
        }
    }
}

impl Node {
    fn ino(self) -> Ino {
        match self {
            Node::Root => ROOT,
            Node::SelfLink => SELF,
            Node::Global(g) => {
                FIRST_GLOBAL + GLOBALS.iter().position(|(_, x)| *x == g).unwrap_or(0) as Ino
            }
            Node::Pid(pid, e) => u64::from(pid) << PID_SHIFT | e.number(),
        }
    }

    fn kind(self) -> FileType {
        match self {
            Node::Root => FileType::Directory,
            Node::SelfLink => FileType::Symlink,
            Node::Global(_) => FileType::Regular,
            Node::Pid(_, e) => e.kind(),
        }
    }
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
        let node = match ino {
            ROOT => Node::Root,
            SELF => Node::SelfLink,
            i if i >= FIRST_GLOBAL && i < FIRST_GLOBAL + GLOBALS.len() as Ino => {
                Node::Global(GLOBALS[(i - FIRST_GLOBAL) as usize].1)
            }
            i => {
                let pid = u32::try_from(i >> PID_SHIFT).map_err(|_| Errno::ENOENT)?;
                let entry = Entry::from_number(i & ((1 << PID_SHIFT) - 1)).ok_or(Errno::ENOENT)?;
                Node::Pid(pid, entry)
            }
        };
        if let Node::Pid(pid, entry) = node {
            let view = self.view.borrow();
            let p = view.procs.get(&pid).ok_or(Errno::ENOENT)?;
            if let Entry::Fd(fd) = entry {
                p.fds.iter().find(|(n, _)| *n == fd).ok_or(Errno::ENOENT)?;
            }
        }
        Ok(node)
    }

    /// The contents of a regular file.
    fn contents(&self, node: Node) -> Vec<u8> {
        let view = self.view.borrow();
        match node {
            Node::Global(Global::Uptime) => {
                let cs = view.uptime_ns / 10_000_000;
                format!(
                    "{}.{:02} {}.{:02}\n",
                    cs / 100,
                    cs % 100,
                    cs / 100,
                    cs % 100
                )
                .into_bytes()
            }
            Node::Global(Global::Meminfo) => meminfo().into_bytes(),
            Node::Global(Global::Cpuinfo) => cpuinfo().into_bytes(),
            Node::Global(Global::Mounts) => view.mounts.clone(),
            Node::Pid(pid, e) => match view.procs.get(&pid) {
                Some(p) => match e {
                    Entry::Cmdline => p.cmdline.clone(),
                    Entry::Comm => [comm(p), b"\n"].concat(),
                    Entry::Stat => stat_line(pid, p).into_bytes(),
                    Entry::Status => status(pid, p).into_bytes(),
                    _ => Vec::new(),
                },
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// The command name: the executable's base name, at most 15 bytes.
fn comm(p: &ProcInfo) -> &[u8] {
    let base = p
        .exe
        .raw()
        .rsplit(|&b| b == b'/')
        .next()
        .unwrap_or_default();
    &base[..base.len().min(15)]
}

/// `/proc/<pid>/stat`: the 52 fields of Linux's format; counters this
/// kernel does not keep are 0.
fn stat_line(pid: Pid, p: &ProcInfo) -> String {
    let name = String::from_utf8_lossy(comm(p));
    let start_ticks = p.start_ns / 10_000_000;
    let mut s = format!(
        "{pid} ({name}) {} {} {} {} 34816 {} 4194304 0 0 0 0 0 0 0 0 20 0 {} 0 {start_ticks} {} {} 4294967295",
        p.state as char,
        p.ppid,
        p.pgid,
        p.sid,
        p.pgid,
        p.threads,
        p.vm_bytes,
        p.vm_bytes / 4096
    );
    // Fields 26..=52: code/stack addresses, signals, wchan, … exit_signal
    // (38) is SIGCHLD.
    for field in 26..=52 {
        s.push_str(if field == 38 { " 17" } else { " 0" });
    }
    s.push('\n');
    s
}

fn status(pid: Pid, p: &ProcInfo) -> String {
    let state = match p.state {
        b'R' => "R (running)",
        b'T' => "T (stopped)",
        _ => "S (sleeping)",
    };
    let (u, g) = (p.uid, p.gid);
    format!(
        "Name:\t{}\nUmask:\t0022\nState:\t{state}\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t{}\nUid:\t{u}\t{u}\t{u}\t{u}\nGid:\t{g}\t{g}\t{g}\t{g}\nVmSize:\t{} kB\nThreads:\t{}\n",
        String::from_utf8_lossy(comm(p)),
        p.ppid,
        p.vm_bytes >> 10,
        p.threads
    )
}

fn meminfo() -> String {
    let free = TOTAL_RAM_KB / 2;
    format!(
        "MemTotal:       {TOTAL_RAM_KB:8} kB\nMemFree:        {free:8} kB\nMemAvailable:   {free:8} kB\nBuffers:        {:8} kB\nCached:         {:8} kB\nSwapTotal:      {:8} kB\nSwapFree:       {:8} kB\n",
        0, 0, 0, 0
    )
}

/// One i686 CPU, matching what CPUID reports (`tabvm_cpu`'s `cpuid.rs`:
/// GenuineIntel, family 6 model 13 stepping 8, FPU TSC CX8 CMOV).
fn cpuinfo() -> String {
    "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 13\nmodel name\t: tabvm virtual i686 CPU\n\
     stepping\t: 8\ncpu MHz\t\t: 1000.000\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n\
     fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: 1\nwp\t\t: yes\nflags\t\t: fpu tsc cx8 cmov\nbogomips\t: 2000.00\n\n"
        .to_string()
}

impl ProcFs {
    /// What the symlink `ino` says.
    fn link_of(&self, ino: Ino) -> Result<Link, Errno> {
        let node = self.node(ino)?;
        let view = self.view.borrow();
        let proc_of = |pid| view.procs.get(&pid).ok_or(Errno::ENOENT);
        match node {
            Node::SelfLink => Ok(Link::Text(view.self_pid.to_string().into_bytes())),
            Node::Pid(pid, Entry::Exe) => Ok(proc_of(pid)?.exe.clone()),
            Node::Pid(pid, Entry::Cwd) => Ok(proc_of(pid)?.cwd.clone()),
            Node::Pid(pid, Entry::Fd(fd)) => proc_of(pid)?
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
            Node::Root => match name {
                b".." => Node::Root,
                b"self" => Node::SelfLink,
                _ => match GLOBALS.iter().find(|(n, _)| *n == name) {
                    Some((_, g)) => Node::Global(*g),
                    None => Node::Pid(number(name).ok_or(Errno::ENOENT)?, Entry::Dir),
                },
            },
            Node::Pid(pid, Entry::Dir) => match name {
                b".." => Node::Root,
                _ => Node::Pid(
                    pid,
                    PID_ENTRIES
                        .iter()
                        .find(|(n, _)| *n == name)
                        .ok_or(Errno::ENOENT)?
                        .1,
                ),
            },
            Node::Pid(pid, Entry::FdDir) => match name {
                b".." => Node::Pid(pid, Entry::Dir),
                // Larger numbers would not fit the inode's entry bits (and
                // are never descriptors: the limit is 1024).
                _ => Node::Pid(
                    pid,
                    Entry::Fd(
                        number(name)
                            .filter(|&fd| fd < MAX_FD)
                            .ok_or(Errno::ENOENT)?,
                    ),
                ),
            },
            _ => return Err(Errno::ENOTDIR),
        };
        // Checks that the pid or descriptor exists.
        self.node(found.ino())?;
        Ok(found.ino())
    }

    fn stat(&mut self, ino: Ino) -> Result<Stat, Errno> {
        let node = self.node(ino)?;
        let (uid, gid) = match node {
            Node::Pid(pid, _) => self
                .view
                .borrow()
                .procs
                .get(&pid)
                .map_or((0, 0), |p| (p.uid, p.gid)),
            _ => (0, 0),
        };
        let (mode, nlink) = match node.kind() {
            FileType::Directory => (0o40555, 2),
            FileType::Symlink => (0o120777, 1),
            _ => (0o100444, 1),
        };
        let t = self.boot.unwrap_or_default();
        Ok(Stat {
            ino,
            mode,
            nlink,
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
            Node::Root => {
                let fixed = std::iter::once(entry(Node::SelfLink, b"self"));
                let globals = GLOBALS.iter().map(|(n, g)| entry(Node::Global(*g), n));
                let pids = view
                    .procs
                    .keys()
                    .map(|&p| entry(Node::Pid(p, Entry::Dir), p.to_string().as_bytes()));
                fixed.chain(globals).chain(pids).collect()
            }
            Node::Pid(pid, Entry::Dir) => PID_ENTRIES
                .iter()
                .map(|(n, e)| entry(Node::Pid(pid, *e), n))
                .collect(),
            Node::Pid(pid, Entry::FdDir) => {
                let fds = view
                    .procs
                    .get(&pid)
                    .map(|p| p.fds.as_slice())
                    .unwrap_or_default();
                fds.iter()
                    .map(|(fd, _)| entry(Node::Pid(pid, Entry::Fd(*fd)), fd.to_string().as_bytes()))
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
        0x1373 => "devtmpfs",
        0x0102_1994 => "tmpfs",
        0xef53 => "ext2",
        _ => "rootfs",
    }
}

/// What `/proc/<pid>/fd/N` says about an open file.
fn fd_target(file: &OpenFile) -> Link {
    if let Some((start, path)) = file.node.as_ref().and_then(|n| n.origin.as_ref()) {
        return Link::Path(*start, path.clone());
    }
    Link::Text(match &file.kind {
        FileKind::Pipe(p) => format!("pipe:[{}]", p.id).into_bytes(),
        FileKind::Stdin | FileKind::Output(_) => b"pipe:[1]".to_vec(),
        FileKind::Tty => b"/dev/pts/0".to_vec(),
        _ => b"anon_inode:[unknown]".to_vec(),
    })
}

/// One process's entry, from its leader (or any of its threads).
fn info(vfs: &Vfs, t: &Task, threads: u32, running: bool) -> ProcInfo {
    let files = t.files.borrow();
    // A description busy in the current call is left out rather than waited for.
    let fds = files
        .fds()
        .filter_map(|fd| Some((fd, fd_target(&*files.get(fd).ok()?.try_borrow().ok()?))))
        .collect();
    let cwd = Link::Path(vfs.cwd(&t.fs.borrow()), b".".to_vec());
    let state = match t.state {
        _ if running => b'R',
        RunState::Runnable => b'R',
        RunState::Blocked { .. } => b'S',
        RunState::Stopped { .. } => b'T',
    };
    // The mm may be borrowed if the caller is inside a memory operation; then
    // the size is simply unknown.
    let vm_bytes = t.mm.try_borrow().map_or(0, |mm| {
        mm.space
            .regions()
            .map(|r| u64::from(r.end.wrapping_sub(r.start)))
            .sum()
    });
    ProcInfo {
        ppid: t.ppid,
        pgid: t.pgid,
        sid: t.sid,
        state,
        uid: t.uid,
        gid: t.gid,
        threads,
        exe: Link::Text(t.exe.clone()),
        cmdline: t.cmdline.clone(),
        cwd,
        fds,
        vm_bytes,
        start_ns: t.start_ns,
    }
}

/// Rebuilds the snapshot `/proc` shows, with `me` (out of the task map
/// while it runs a system call) as `self`.
pub(crate) fn refresh(k: &Kernel, me: &Task) {
    let vfs = &k.vfs;
    let mut procs = BTreeMap::new();
    let all = std::iter::once(me).chain(k.tasks.values());
    let mut threads: BTreeMap<Pid, u32> = BTreeMap::new();
    for t in all.clone() {
        *threads.entry(t.pid).or_default() += 1;
    }
    // Leaders first, so a process is described by its leader when it has one.
    let mut ordered: Vec<&Task> = all.collect();
    ordered.sort_by_key(|t| (t.pid, t.tid != t.pid));
    for t in ordered {
        if let std::collections::btree_map::Entry::Vacant(slot) = procs.entry(t.pid) {
            let n = threads.get(&t.pid).copied().unwrap_or(1);
            slot.insert(info(vfs, t, n, std::ptr::eq(t, me)));
        }
    }
    let view = ProcView {
        self_pid: me.pid,
        procs,
        uptime_ns: k.now.monotonic_ns,
        mounts: mounts(vfs),
    };
    *vfs.proc.borrow_mut() = view;
}

/// `/proc/mounts`.
fn mounts(vfs: &Vfs) -> Vec<u8> {
    let mut out = String::new();
    for (i, m) in vfs.mounts.iter().enumerate() {
        let path = match &m.at {
            None => b"/".to_vec(),
            Some((dir, name)) => join(&vfs.path_of(*dir).unwrap_or_else(|_| b"/".to_vec()), name),
        };
        let kind = fs_type(m.fs.borrow_mut().statfs().magic);
        let dev = if i == 0 { "/dev/root" } else { kind };
        let _ = writeln!(
            out,
            "{dev} {} {kind} rw,relatime 0 0",
            String::from_utf8_lossy(&path)
        );
    }
    out.into_bytes()
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
mod tests {
    use super::*;

    fn fs() -> ProcFs {
        let mut view = ProcView {
            self_pid: 7,
            uptime_ns: 12_345_000_000,
            mounts: b"proc /proc proc rw 0 0\n".to_vec(),
            ..ProcView::default()
        };
        let p = ProcInfo {
            ppid: 1,
            state: b'R',
            threads: 1,
            exe: Link::Text(b"/bin/busybox".to_vec()),
            cmdline: b"sh\0-c\0true\0".to_vec(),
            cwd: Link::Text(b"/tmp".to_vec()),
            fds: vec![
                (0, Link::Text(b"/dev/pts/0".to_vec())),
                (3, Link::Text(b"pipe:[4]".to_vec())),
            ],
            ..ProcInfo::default()
        };
        view.procs.insert(7, p);
        ProcFs::new(Rc::new(RefCell::new(view)))
    }

    fn walk(fs: &mut ProcFs, path: &str) -> Result<Ino, Errno> {
        let mut ino = fs.root();
        for c in path.split('/').filter(|c| !c.is_empty()) {
            ino = fs.lookup(ino, c.as_bytes())?;
        }
        Ok(ino)
    }

    fn read_all(fs: &mut ProcFs, path: &str) -> Vec<u8> {
        let ino = walk(fs, path).unwrap();
        let mut buf = vec![0; 4096];
        let n = fs.read(ino, 0, &mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn links_name_the_process_and_its_files() {
        let mut fs = fs();
        let ino = walk(&mut fs, "self").unwrap();
        assert_eq!(fs.readlink(ino).unwrap(), b"7");
        assert_eq!(fs.stat(ino).unwrap().mode, 0o120777);
        let exe = walk(&mut fs, "7/exe").unwrap();
        assert_eq!(fs.readlink(exe).unwrap(), b"/bin/busybox");
        let fd3 = walk(&mut fs, "7/fd/3").unwrap();
        assert_eq!(fs.readlink(fd3).unwrap(), b"pipe:[4]");
        let cwd = walk(&mut fs, "7/cwd").unwrap();
        assert_eq!(fs.readlink(cwd).unwrap(), b"/tmp");
        let fd = walk(&mut fs, "7/fd").unwrap();
        let names: Vec<_> = fs
            .readdir(fd)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, [b"0".to_vec(), b"3".to_vec()]);
        assert_eq!(
            walk(&mut fs, "7/fd/..").unwrap(),
            walk(&mut fs, "7").unwrap()
        );
    }

    #[test]
    fn files_have_contents() {
        let mut fs = fs();
        assert_eq!(read_all(&mut fs, "7/cmdline"), b"sh\0-c\0true\0");
        assert_eq!(read_all(&mut fs, "7/comm"), b"busybox\n");
        let stat = String::from_utf8(read_all(&mut fs, "7/stat")).unwrap();
        assert!(stat.starts_with("7 (busybox) R 1 "), "{stat}");
        assert_eq!(stat.split_whitespace().count(), 52);
        assert_eq!(read_all(&mut fs, "uptime"), b"12.34 12.34\n");
        assert!(String::from_utf8(read_all(&mut fs, "cpuinfo"))
            .unwrap()
            .contains("flags\t\t: fpu tsc cx8 cmov\n"));
        assert!(String::from_utf8(read_all(&mut fs, "meminfo"))
            .unwrap()
            .starts_with("MemTotal:"));
        assert!(read_all(&mut fs, "7/status").starts_with(b"Name:\tbusybox\n"));
        // Reading at an offset, and past the end.
        let ino = walk(&mut fs, "7/cmdline").unwrap();
        let mut buf = [0; 4];
        assert_eq!(fs.read(ino, 3, &mut buf), Ok(4));
        assert_eq!(&buf, b"-c\0t");
        assert_eq!(fs.read(ino, 1 << 40, &mut buf), Ok(0));
    }

    #[test]
    fn odd_paths_are_errors_not_panics() {
        let mut fs = fs();
        let bad_paths = [
            "8",
            "07",
            "-1",
            "7/nope",
            "7/fd/1",
            "7/fd/x",
            "7/fd/65280",
            "99999999999",
            "self/x",
            "uptime/x",
            "7/exe/x",
        ];
        for bad in bad_paths {
            assert!(walk(&mut fs, bad).is_err(), "{bad}");
        }
        for ino in [
            0,
            9,
            1 << 16,
            7 << 16 | 99,
            7 << 16 | 0xffff,
            7 << 16 | (FD_BASE + 1),
            u64::MAX,
        ] {
            assert!(fs.stat(ino).is_err(), "{ino:#x}");
            let _ = fs.read(ino, 0, &mut [0; 8]);
            let _ = fs.readdir(ino);
            let _ = fs.readlink(ino);
        }
        let root = fs.root();
        assert_eq!(fs.read(root, 0, &mut [0; 8]), Err(Errno::EISDIR));
        assert_eq!(fs.readlink(root), Err(Errno::EINVAL));
        let names: Vec<_> = fs
            .readdir(root)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert!(
            names.contains(&b"self".to_vec())
                && names.contains(&b"7".to_vec())
                && names.contains(&b"mounts".to_vec())
        );
    }
}
